import { api, ApiError, type Camera, type Playback } from "../api";
import { h, status } from "../dom";
import { playHls, track, type Player } from "../player";
import type { Context } from "../main";

/** The grid of the cameras the user may see, favorites first, each with a muted live preview. */
export async function camerasPage(_ctx: Context): Promise<Node> {
  const [cameras, favorites] = await Promise.all([
    api.get<Camera[]>("/cameras?limit=1000"),
    api.get<string[]>("/me/favorites"),
  ]);
  const favored = new Set(favorites);
  const note = status();
  const list = h("ul", { class: "grid", "aria-label": "Cameras" });
  const draw = () => {
    const sorted = [...cameras].sort((a, b) => Number(favored.has(b.name)) - Number(favored.has(a.name)) || a.name.localeCompare(b.name));
    list.replaceChildren(...sorted.map(c => tile(c, favored, note, draw)));
  };
  draw();
  return h("section", {},
    h("h1", {}, "Cameras"),
    cameras.length === 0 ? h("p", {}, "No camera to show yet. Claim one with the serial and PIN from its sticker.") : list,
    note);
}

function tile(camera: Camera, favored: Set<string>, note: HTMLElement, redraw: () => void): HTMLElement {
  const isFavorite = favored.has(camera.name);
  const video = h("video", { muted: true, playsinline: true, autoplay: true, "aria-label": `Live preview of ${camera.title || camera.name}` });
  video.muted = true;
  const caption = h("p", { class: "muted", hidden: true });
  const preview = h("div", { class: "preview" }, video, caption);
  const say = (msg: string) => { caption.hidden = msg.length === 0; caption.textContent = msg; video.hidden = msg.length > 0; };
  // A preview plays only while its tile is on screen: a grid of a hundred cameras must not pull a hundred streams.
  let player: Player | null = null;
  const start = () => api.get<Playback>(`/cameras/${encodeURIComponent(camera.name)}/playback`).then(
    p => { player = track(playHls(video, p.live.hls, say)); },
    (e: unknown) => say(e instanceof ApiError && e.status === 409 ? "Not on a streamer yet" : "No preview"));
  new IntersectionObserver(([entry], observer) => {
    if (!preview.isConnected) { observer.disconnect(); return; }
    if (entry.isIntersecting && !player) void start();
    else if (!entry.isIntersecting && player) { player.stop(); player = null; }
  }).observe(preview);
  const star = h("button", {
    type: "button", class: "star", "aria-pressed": String(isFavorite),
    "aria-label": `${isFavorite ? "Remove" : "Add"} ${camera.title || camera.name} ${isFavorite ? "from" : "to"} favorites`,
    onclick: async () => {
      try {
        if (isFavorite) {
          await api.del(`/me/favorites/${encodeURIComponent(camera.name)}`);
          favored.delete(camera.name);
        } else {
          await api.put(`/me/favorites/${encodeURIComponent(camera.name)}`, {});
          favored.add(camera.name);
        }
        redraw();
      } catch (e) {
        note.textContent = (e as Error).message;
      }
    },
  }, isFavorite ? "★" : "☆");
  return h("li", { class: "tile", "data-camera": camera.name },
    preview,
    h("div", { class: "tile-bar" },
      h("a", { href: `#/camera/${encodeURIComponent(camera.name)}` }, camera.title || camera.name),
      star));
}
