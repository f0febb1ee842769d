import { api } from "./api";
import { h } from "./dom";

/**
 * Choices offered as the user types, searched on the portal (?q=), not taken from the rows a page
 * happened to load: a portal may hold many thousands of users or cameras, and the one wanted may be
 * on none of the pages shown. An input given to watch() gets a datalist of the best matches;
 * find() turns what was typed into the row it names, asking the portal when it was not offered.
 */
export interface Suggestions<T> {
  /** The datalist, to put once on the page. */
  list: HTMLDataListElement;
  watch: (input: HTMLInputElement) => void;
  /** The row whose value is exactly this, or null when the portal has none. */
  find: (value: string) => Promise<T | null>;
}

/** Matches offered at once: a few, the portal's search narrows them as more is typed. */
const OFFERED = 20;

export function suggestions<T>(id: string, list: string, value: (row: T) => string, label: (row: T) => string): Suggestions<T> {
  const datalist = h("datalist", { id });
  const known = new Map<string, T>();
  const search = (words: string) => api.get<T[]>(`${list}?limit=${OFFERED}&q=${encodeURIComponent(words)}`).then(rows => {
    for (const row of rows) known.set(value(row), row);
    return rows;
  });
  let asked = "";
  const watch = (input: HTMLInputElement) => {
    input.setAttribute("list", id);
    input.addEventListener("input", () => {
      if (input.value === asked) return;
      asked = input.value;
      void search(asked.trim()).then(rows => {
        if (asked === input.value) datalist.replaceChildren(...rows.map(r => h("option", { value: value(r) }, label(r) !== value(r) ? label(r) : "")));
      }, () => undefined);
    });
  };
  const find = async (typed: string) => known.get(typed) ?? (await search(typed)).find(r => value(r) === typed) ?? null;
  return { list: datalist, watch, find };
}
