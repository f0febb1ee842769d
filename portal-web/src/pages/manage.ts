import { api, type Camera } from "../api";
import { field, flash, flashed, h } from "../dom";
import { PAGE, pager, searchBox } from "../paging";
import type { Context } from "../main";

interface Named { name: string; title?: string }

const accessLevels = [
  { value: "private", label: "Private: its group and its owner" },
  { value: "authorized", label: "Authorized: anyone logged in" },
  { value: "public", label: "Public: anyone" },
];

/** Cameras for operators: make one, and change who sees it, its archive depth, its streamer and its address. */
export async function managePage(ctx: Context): Promise<Node> {
  const [groups, streamers] = await Promise.all([api.all<Named>("/groups"), api.all<Named>("/streamers")]);
  const note = flashed();
  const save = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      flash(`${what}: saved.`);
      ctx.go("manage");
    } catch (e) {
      note.textContent = `${what} not saved: ${(e as Error).message}`;
    }
  };
  const create = cameraForm(undefined, groups, streamers, body => save(`Camera ${body.name}`, () => api.post("/cameras", body)));
  const card = (c: Camera) => {
    const change = h("details", {}, h("summary", {}, `Change ${c.name}`));
    // The form is made when opened: a page of hundreds of cameras stays light.
    change.addEventListener("toggle", () => {
      if (change.open && change.children.length === 1) {
        change.append(cameraForm(c, groups, streamers, body => save(`Camera ${c.name}`, () => api.patch(`/cameras/${encodeURIComponent(c.name)}`, body))));
      }
    });
    return h("li", { class: "card", "data-manage": c.name },
      h("h2", {}, c.title || c.name, " ", h("small", {}, c.name)),
      h("p", {}, `${c.access}${c.group ? ` · group ${c.group}` : ""}${c.owner ? ` · owner ${c.owner}` : ""} · archive ${c.dvr_depth} d · ${c.streamer ?? "no streamer"}${c.enabled ? "" : " · disabled"}`),
      change);
  };
  const list = h("ul", { class: "cards", "aria-label": "Cameras" });
  const region = h("div", {});
  const load = async (words: string) => {
    list.replaceChildren();
    const pages = await pager<Camera>(`/cameras?limit=${PAGE}${words ? `&q=${encodeURIComponent(words)}` : ""}`, "cameras", added => list.append(...added.map(card)));
    region.replaceChildren(list, pages.controls);
  };
  await load("");
  return h("section", {}, h("h1", {}, "Manage cameras"), note,
    h("details", { class: "card" }, h("summary", {}, "New camera"), create),
    searchBox("Search cameras", "", words => void load(words)),
    region);
}

function cameraForm(c: Camera | undefined, groups: Named[], streamers: Named[], submit: (body: Record<string, unknown>) => void): HTMLFormElement {
  const name = h("input", { name: "name", required: true, pattern: "[A-Za-z0-9._-]{1,64}", value: c?.name ?? "", readonly: c !== undefined });
  const title = h("input", { name: "title", value: c?.title ?? "" });
  const url = h("input", { name: "stream_url", value: c?.stream_url ?? "", placeholder: "rtsp://…", inputmode: "url" });
  const depth = h("input", { name: "dvr_depth", type: "number", min: 0, max: 3650, value: c?.dvr_depth ?? 0 });
  const access = h("select", { name: "access" }, accessLevels.map(a => h("option", { value: a.value, selected: a.value === (c?.access ?? "private") }, a.label)));
  const group = h("select", { name: "group" }, h("option", { value: "" }, "— none —"),
    groups.map(g => h("option", { value: g.name, selected: g.name === c?.group }, g.title ? `${g.title} (${g.name})` : g.name)));
  const streamer = h("select", { name: "streamer" }, h("option", { value: "" }, "— none —"),
    streamers.map(s => h("option", { value: s.name, selected: s.name === c?.streamer }, s.name)));
  const enabled = h("input", { name: "enabled", type: "checkbox", checked: c?.enabled ?? true });
  const form = h("form", {},
    field("Name", name), field("Title", title), field("Stream address", url), field("Archive depth in days", depth),
    field("Who sees it", access), field("Group", group), field("Streamer", streamer),
    h("label", { class: "check" }, enabled, " Enabled"),
    h("p", {}, h("button", { type: "submit" }, c ? "Save" : "Create camera")));
  form.addEventListener("submit", e => {
    e.preventDefault();
    submit({
      ...(c ? {} : { name: name.value }),
      title: title.value, stream_url: url.value, dvr_depth: Number(depth.value), access: access.value,
      group: group.value, streamer: streamer.value, enabled: enabled.checked,
    });
  });
  return form;
}
