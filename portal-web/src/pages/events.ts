import { api, type Page } from "../api";
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
  // Every event of the depth, read page after page once, then only what is new. New means stored by
  // the portal after the last one seen (the list in the portal's order, its cursor an event's id),
  // not later in camera time: an event that comes late with an earlier time (a camera whose clock is
  // behind, events held through a reconnect) is still read, and drawn in its place by time. Each ask
  // starts from the newest id of the ask before the last, so an event whose id was taken before
  // another's but stored after it (portals writing at once to one database) is read on the next
  // ask; what was read already is known by its id and kept once.
  let events: CameraEvent[] = [];
  const seen = new Set<number>();
  let cursor = 0;
  let prior = 0;
  let settled = 0;
  let busy = false;
  const fetchNew = async (from: number): Promise<boolean> => {
    let fresh = false;
    let next: string | null = `${path}/events?order=received&from=${from}&limit=1000${settled > 0 ? `&after=${settled}` : ""}`;
    while (next !== null) {
      const page: Page<CameraEvent> | null = await api.page<CameraEvent>(next).catch(() => null);
      if (!page) return fresh;
      for (const e of page.items) {
        cursor = Math.max(cursor, e.id);
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        events.push(e);
        fresh = true;
      }
      next = page.next;
    }
    settled = prior;
    prior = cursor;
    for (const id of seen) if (id <= settled) seen.delete(id);
    return fresh;
  };
  const load = async () => {
    if (busy) return;
    busy = true;
    const from = Date.now() - Math.max(1, depthDays) * 86_400_000;
    const fresh = await fetchNew(from).finally(() => { busy = false; });
    if (!fresh && last !== -1) return;
    events = events.filter(e => e.at >= from).sort((a, b) => a.at - b.at || a.id - b.id);
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
