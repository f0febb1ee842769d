import { api, type Page } from "./api";
import { h } from "./dom";

/**
 * A list shown a page at a time: the first page at once, then "Load more" for each next one (the
 * portal's Link header says whether there is one), with a line saying how many are shown and whether
 * more are there. The list's search or filter is in its first address; the next addresses keep it.
 */
export interface Pager<T> {
  /** What is shown so far. */
  items: T[];
  /** The button and the count line, to put under the list. */
  controls: HTMLElement;
}

export async function pager<T>(first: string, noun: string, show: (added: T[], all: T[]) => void | Promise<void>): Promise<Pager<T>> {
  const count = h("p", { class: "muted page-count", role: "status", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "more" }, `Load more ${noun}`);
  const state: Pager<T> = { items: [], controls: h("div", { class: "pager" }, count, more) };
  let next: string | null = first;
  const load = async () => {
    if (next === null) return;
    more.disabled = true;
    try {
      const page: Page<T> = await api.page<T>(next);
      next = page.next;
      state.items.push(...page.items);
      await show(page.items, state.items);
      count.textContent = next === null
        ? `${state.items.length.toLocaleString()} ${noun}, all shown.`
        : `${state.items.length.toLocaleString()} ${noun} shown; more to load.`;
    } catch (e) {
      count.textContent = `Loading more ${noun} failed: ${(e as Error).message}`;
    } finally {
      more.disabled = false;
      more.hidden = next === null;
    }
  };
  more.addEventListener("click", () => void load());
  await load();
  return state;
}

/** A search box over a list: submitting it (or clearing it) calls search with the words. */
export function searchBox(label: string, value: string, search: (words: string) => void): HTMLFormElement {
  const input = h("input", { type: "search", name: "q", value, autocomplete: "off", "aria-label": label, placeholder: label });
  const form = h("form", { class: "inline search", role: "search" }, input, h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", e => { e.preventDefault(); search(input.value.trim()); });
  return form;
}

/** Rows a page of the long lists asks for (the portal gives at most 1,000). */
export const PAGE = 250;
