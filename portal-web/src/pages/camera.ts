import { api, ApiError, type Camera, type Playback } from "../api";
import { formatTime, h } from "../dom";
import { playLive, stopAll, track } from "../player";
import { playbackOf } from "../prefetch";
import type { Context } from "../main";
import { ptzPanel } from "./ptz";
import { eventsPanel, type Timeline } from "./events";
import { timelinePanel } from "./timeline";

/** A camera: live video, the MPEG-TS link for set-top boxes, and the archive's timeline over the camera's depth (timeline.ts). */
export async function cameraPage(_ctx: Context, name: string): Promise<Node> {
  const path = `/cameras/${encodeURIComponent(name)}`;
  // The camera and its playback answer at once (the latter often already asked when its link was
  // hovered): one round trip before the video starts, not two.
  const playbackAsked = playbackOf(name);
  playbackAsked.catch(() => undefined);
  const camera = await api.get<Camera>(path);
  const title = camera.title || camera.name;
  // The PTZ controls come when the camera has answered; the video does not wait for them.
  const ptz = h("div", { class: "ptz-slot" });
  ptzPanel(path).then(panel => { if (panel) ptz.replaceWith(panel); else ptz.remove(); },
    (e: Error) => { ptz.replaceChildren(h("p", { class: "muted" }, `No camera controls now: ${e.message}.`)); });
  let playback: Playback;
  try {
    playback = await playbackAsked;
  } catch (e) {
    // 409: the camera is on no streamer yet (its device not bound or approved): say so under its name.
    if (!(e instanceof ApiError) || e.status !== 409) throw e;
    return h("section", { class: "camera" }, h("h1", {}, title), h("p", { role: "status" }, `No video yet: ${e.message}.`), ptz,
      eventsPanel(path, camera.dvr_depth, () => null));
  }
  const video = h("video", { id: "player", controls: true, muted: true, playsinline: true, autoplay: true, "aria-label": `Video of ${title}` });
  video.muted = true;
  const mode = h("p", { id: "mode", class: "mode", "aria-live": "polite" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const fail = (message: string) => { problem.hidden = message.length === 0; problem.textContent = message; };
  const watchLive = () => {
    stopAll();
    problem.hidden = true;
    // WebRTC first, HLS when it cannot play; the mode line says which.
    track(playLive(video, playback.live, fail, m => { mode.textContent = m; }));
  };
  watchLive();
  const hooks: { timeline: Timeline | null } = { timeline: null };
  return h("section", { class: "camera" },
    h("h1", {}, title),
    h("div", { class: "player" }, video, mode, problem),
    h("p", {},
      h("button", { type: "button", onclick: watchLive }, "Watch live"), " ",
      playback.live.mpegts
        ? h("a", { href: playback.live.mpegts, class: "mpegts" }, "MPEG-TS link (set-top boxes, VLC)")
        : h("span", { class: "mpegts-none muted" }, "This camera's streamer offers HLS only: no MPEG-TS link.")),
    ptz,
    timelinePanel(camera, playback, path, video, mode, fail, hooks),
    eventsPanel(path, camera.dvr_depth, () => hooks.timeline),
    h("p", { class: "muted" }, `Links valid until ${formatTime(playback.expires_at)}.`));
}
