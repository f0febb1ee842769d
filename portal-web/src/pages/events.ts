import { api } from "../api";
import { formatTime, h } from "../dom";

export interface CameraEvent { id: number; camera: string; at: number; kind: "motion" | "tamper" | "input"; topic: string; source: Record<string, string>; data: Record<string, string> }

/** What the archive offers the events: marks on its timeline and a jump to a moment (Unix seconds). */
export interface Timeline { mark: (seconds: number[]) => void; jump: (seconds: number) => void }

const KIND_LABEL: Record<CameraEvent["kind"], string> = { motion: "Motion", tamper: "Tamper", input: "Alarm input" };
const POLL_MS = 1000;
const SHOWN = 20;

/**
 * The camera's latest events, asked every second while the page shows them, newest first; each
 * jumps to its moment in the archive when there is one, and all are marked on its timeline.
 */
export function eventsPanel(path: string, depthDays: number, timeline: () => Timeline | null): HTMLElement {
  const list = h("ol", { class: "events", "aria-label": "Latest events" });
  const empty = h("p", { class: "muted" }, "No motion, tamper or alarm input event yet.");
  const panel = h("section", { "aria-labelledby": "events-heading", class: "events-panel" }, h("h2", { id: "events-heading" }, "Events"), empty, list);
  let last = -1;
  // Every event of the depth, read page after page once, then only what is new: each ask starts
  // after the last event seen (the list's keyset cursor, "AT.ID"), so none is missed or read twice.
  let events: CameraEvent[] = [];
  let cursor: string | null = null;
  let busy = false;
  const fetchNew = async (from: number): Promise<boolean> => {
    let fresh = false;
    for (;;) {
      const page = await api.page<CameraEvent>(`${path}/events?from=${from}&limit=1000${cursor ? `&after=${encodeURIComponent(cursor)}` : ""}`).catch(() => null);
      if (!page) return fresh;
      const end = page.items.at(-1);
      if (end) {
        events.push(...page.items);
        cursor = `${end.at}.${end.id}`;
        fresh = true;
      }
      if (!page.next) return fresh;
    }
  };
  const load = async () => {
    if (busy) return;
    busy = true;
    const from = Date.now() - Math.max(1, depthDays) * 86_400_000;
    const fresh = await fetchNew(from).finally(() => { busy = false; });
    if (!fresh && last !== -1) return;
    events = events.filter(e => e.at >= from);
    last = events.at(-1)?.id ?? 0;
    empty.hidden = events.length > 0;
    const t = timeline();
    t?.mark(events.map(e => Math.floor(e.at / 1000)));
    list.replaceChildren(...events.slice(-SHOWN).reverse().map(e => {
      const label = `${KIND_LABEL[e.kind]} at ${formatTime(e.at)}`;
      return h("li", { "data-event": e.id, "data-kind": e.kind },
        t ? h("button", { type: "button", class: "link", onclick: () => t.jump(Math.floor(e.at / 1000)) }, label) : label);
    }));
  };
  void load();
  const timer = window.setInterval(() => {
    if (!panel.isConnected && last !== -1) { window.clearInterval(timer); return; }
    void load();
  }, POLL_MS);
  return panel;
}
