import { api } from "../api";
import { formatTime as formatTime, h } from "../dom";
import type { Context } from "../main";

interface Streamer { name: string; kind: string; public_url: string; ingest_url: string; capacity: number; health: string; health_at: number | null; cameras: number }
interface Relay { node_id: string; endpoints: string; api_url: string; last_heartbeat: number | null; sessions: number }

/** Streamers and relay nodes with their health and load. */
export async function infraPage(_ctx: Context): Promise<Node> {
  const [streamers, relays] = await Promise.all([api.all<Streamer>("/streamers"), api.all<Relay>("/relays")]);
  const load = (s: Streamer) => s.capacity > 0 ? `${s.cameras} / ${s.capacity} (${Math.round((100 * s.cameras) / s.capacity)}%)` : `${s.cameras}`;
  return h("section", {}, h("h1", {}, "Streamers and relays"),
    h("div", { class: "scroll" }, h("table", {}, h("caption", {}, "Streamers"),
      h("thead", {}, h("tr", {}, ["Name", "Kind", "Health", "Cameras / capacity", "Public URL"].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, streamers.map(s => h("tr", {},
        h("td", {}, s.name), h("td", {}, s.kind),
        h("td", {}, h("span", { class: `pill ${s.health === "up" ? "ok" : s.health === "down" ? "bad" : "off"}` }, s.health), " ", formatTime(s.health_at)),
        h("td", {}, load(s)), h("td", { class: "mono" }, s.public_url)))))),
    h("div", { class: "scroll" }, h("table", {}, h("caption", {}, "Relay nodes"),
      h("thead", {}, h("tr", {}, ["Node", "Endpoints", "Agents connected", "Last heartbeat"].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, relays.map(r => h("tr", {},
        h("td", {}, r.node_id), h("td", { class: "mono" }, r.endpoints), h("td", {}, r.sessions), h("td", {}, formatTime(r.last_heartbeat))))))));
}
