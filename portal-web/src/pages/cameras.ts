import { api, ApiError, type Camera } from "../api";
import { h, status } from "../dom";
import { PAGE, pager, searchBox } from "../paging";
import { playHls, track, type Player } from "../player";
import type { Context } from "../main";
import { playbackOf, warmLive } from "../prefetch";

/**
 * The grid of the cameras the user may see, favorites first, each with a still (or a muted live
 * preview). #/cameras/live plays every tile on screen live instead: what a grid of live players
 * costs, to compare with the stills.
 */
export async function camerasPage(_ctx: Context, arg = ""): Promise<Node> {
  const allLive = arg === "live";
  const favorites = await api.get<string[]>("/me/favorites");
  const favored = new Set(favorites);
  // Favorites come first whichever page they are on: asked one by one (a user has few).
  const favoriteCameras = (await Promise.all(favorites.map(name =>
    api.get<Camera>(`/cameras/${encodeURIComponent(name)}`).catch(() => null)))).filter((c): c is Camera => c !== null);
  const note = status();
  const list = h("ul", { class: "grid", "aria-label": "Cameras" });
  const empty = h("p", { hidden: true }, "No camera to show yet. Claim one with the serial and PIN from its sticker.");
  const region = h("div", {});
  let words = "";
  // The cameras shown: favorites, then the pages loaded so far (by name), each once.
  let shown: Camera[] = [];
  const draw = () => {
    const sorted = [...shown].sort((a, b) => Number(favored.has(b.name)) - Number(favored.has(a.name)) || a.name.localeCompare(b.name));
    list.replaceChildren(...sorted.map(c => tile(c, favored, note, draw, allLive)));
  };
  const load = async () => {
    const matches = (c: Camera) => words === "" || `${c.name} ${c.title}`.toLowerCase().includes(words.toLowerCase());
    shown = favoriteCameras.filter(matches);
    const pages = await pager<Camera>(`/cameras?limit=${PAGE}${words ? `&q=${encodeURIComponent(words)}` : ""}`, "cameras", added => {
      const known = new Set(shown.map(c => c.name));
      shown.push(...added.filter(c => !known.has(c.name)));
      draw();
    });
    empty.hidden = shown.length > 0 || words !== "";
    empty.textContent = "No camera to show yet. Claim one with the serial and PIN from its sticker.";
    region.replaceChildren(list, pages.controls);
  };
  await load();
  return h("section", {},
    h("h1", {}, "Cameras"),
    searchBox("Search cameras", words, w => { words = w; void load(); }),
    empty, region, note);
}

/** A still is refreshed this often while its tile is on screen; the portal keeps one for 3 s. */
const STILL_EVERY_MS = 5000;

function tile(camera: Camera, favored: Set<string>, note: HTMLElement, redraw: () => void, allLive: boolean): HTMLElement {
  const isFavorite = favored.has(camera.name);
  const title = camera.title || camera.name;
  const video = h("video", { muted: true, playsinline: true, autoplay: true, "aria-label": `Live preview of ${title}` });
  video.muted = true;
  const still = h("img", { alt: `Still of ${title}`, hidden: true, class: "still" });
  const caption = h("p", { class: "muted", hidden: true });
  const preview = h("div", { class: "preview", title: "Hover or tap to watch live" }, still, video, caption);
  const say = (msg: string) => { caption.hidden = msg.length === 0; caption.textContent = msg; video.hidden = msg.length > 0; };
  const base = `/cameras/${encodeURIComponent(camera.name)}`;
  // A grid shows stills, refreshed every few seconds, not a live stream per tile; live plays on hover
  // or tap. A camera without stills (no ONVIF source) plays live while its tile is on screen, as before.
  let player: Player | null = null;
  let stills: boolean | null = null;
  let timer: number | undefined;
  const goLive = () => {
    if (player) return;
    still.hidden = true;
    video.hidden = false;
    // A placeholder while the playback address is asked, so that a second hover does not ask again.
    player = { stop: () => undefined, hls: null };
    playbackOf(camera.name).then(
      p => { if (player) player = track(playHls(video, p.live.hls, say)); },
      (e: unknown) => say(e instanceof ApiError && e.status === 409 ? "Not on a streamer yet" : "No preview"));
  };
  const backToStill = () => {
    if (!player || stills !== true) return;
    player.stop();
    player = null;
    video.hidden = true;
    still.hidden = false;
  };
  // Loaded aside and swapped in when whole, so a tile never shows half a still; a same-origin
  // address (the session cookie goes with it), as the page's CSP allows for images.
  const refresh = () => {
    const url = `/api/v1${base}/snapshot?at=${Date.now()}`;
    const next = new Image();
    next.onload = () => {
      still.src = url;
      if (stills === null) { stills = true; video.hidden = true; still.hidden = false; }
    };
    next.onerror = () => {
      if (stills !== null) return;
      void fetch(url, { credentials: "same-origin" }).then(r => {
        if (r.status === 409 && stills === null) {
          stills = false;
          window.clearInterval(timer);
          goLive();
        }
      }, () => undefined);
    };
    next.src = url;
  };
  new IntersectionObserver(([entry], observer) => {
    if (!preview.isConnected) { observer.disconnect(); window.clearInterval(timer); return; }
    if (entry.isIntersecting) {
      if (stills === false || allLive) goLive();
      else { refresh(); timer = window.setInterval(refresh, STILL_EVERY_MS); }
    } else {
      window.clearInterval(timer);
      if (player) { player.stop(); player = null; }
    }
  }).observe(preview);
  preview.addEventListener("pointerenter", e => { if (e.pointerType === "mouse" && stills) goLive(); });
  preview.addEventListener("pointerleave", e => { if (e.pointerType === "mouse") backToStill(); });
  preview.addEventListener("click", () => { if (stills) { if (player) backToStill(); else goLive(); } });
  const star = h("button", {
    type: "button", class: "star", "aria-pressed": String(isFavorite),
    "aria-label": `${isFavorite ? "Remove" : "Add"} ${title} ${isFavorite ? "from" : "to"} favorites`,
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
  const warm = () => warmLive(camera.name);
  return h("li", { class: "tile", "data-camera": camera.name },
    preview,
    h("div", { class: "tile-bar" },
      // About to open the camera's page: its feed starts on the streamer while the page loads.
      h("a", { href: `#/camera/${encodeURIComponent(camera.name)}`, onpointerenter: warm, onfocus: warm, ontouchstart: warm }, title),
      star));
}
