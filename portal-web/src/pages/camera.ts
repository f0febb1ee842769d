import type Hls from "hls.js";
import { api, ApiError, type Camera, type Playback } from "../api";
import { field, formatTime, h, replace, status } from "../dom";
import { playHls, playLive, stopAll, track } from "../player";
import type { Context } from "../main";
import { ptzPanel } from "./ptz";
import { eventsPanel, type Timeline } from "./events";

const DAY = 86_400;

/** A camera: live video, the MPEG-TS link for set-top boxes, and the archive within the camera's depth. */
export async function cameraPage(_ctx: Context, name: string): Promise<Node> {
  const path = `/cameras/${encodeURIComponent(name)}`;
  const camera = await api.get<Camera>(path);
  const title = camera.title || camera.name;
  // The PTZ controls come when the camera has answered; the video does not wait for them.
  const ptz = h("div", { class: "ptz-slot" });
  ptzPanel(path).then(panel => { if (panel) ptz.replaceWith(panel); else ptz.remove(); },
    (e: Error) => { ptz.replaceChildren(h("p", { class: "muted" }, `No camera controls now: ${e.message}.`)); });
  let playback: Playback;
  try {
    playback = await api.get<Playback>(`${path}/playback`);
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
    archiveSection(camera, playback, path, video, mode, fail, hooks),
    eventsPanel(path, camera.dvr_depth, () => hooks.timeline),
    h("p", { class: "muted" }, `Links valid until ${formatTime(playback.expires_at)}.`));
}

function archiveSection(camera: Camera, playback: Playback, path: string, video: HTMLVideoElement, mode: HTMLElement, fail: (m: string) => void,
  hooks: { timeline: Timeline | null }): Node {
  const heading = h("h2", { id: "archive" }, "Archive");
  if (!playback.archive) {
    return h("section", { "aria-labelledby": "archive" }, heading,
      h("p", {}, camera.dvr_depth > 0 ? "You may not watch this camera's archive." : "This camera keeps no archive."));
  }
  const archive = playback.archive;
  if (!archive.hls && !archive.mp4) {
    return h("section", { "aria-labelledby": "archive" }, heading, h("p", {}, "This camera's streamer cannot play its archive in a browser."));
  }
  const now = Math.floor(Date.now() / 1000);
  const earliest = now - camera.dvr_depth * DAY;
  // The camera's events are ticks on the timeline (a datalist the range input draws).
  const marks = h("datalist", { id: "event-marks" });
  const timeline = h("input", {
    type: "range", min: earliest, max: now, step: 60, value: archive.from, list: "event-marks",
  });
  const when = h("output", { for: "" }, formatTime(archive.from));
  timeline.addEventListener("input", () => { when.textContent = formatTime(Number(timeline.value)); });
  const jump = (label: string, seconds: number) => h("button", {
    type: "button", class: "secondary",
    onclick: () => {
      timeline.value = String(Math.max(earliest, Math.floor(Date.now() / 1000) - seconds));
      when.textContent = formatTime(Number(timeline.value));
    },
  }, label);
  const jumps = h("div", { class: "actions", role: "group", "aria-label": "Go back on the timeline" },
    jump("1 minute ago", 60), jump("10 minutes ago", 600), jump("1 hour ago", 3600), camera.dvr_depth >= 1 ? jump("1 day ago", DAY) : null);
  const play = h("button", { type: "button", id: "play-archive" }, "Play from this moment");
  play.addEventListener("click", () => void playFrom(Number(timeline.value)));
  hooks.timeline = {
    mark: seconds => marks.replaceChildren(...seconds.filter(s => s >= earliest).map(s => h("option", { value: s }))),
    jump: moment => {
      timeline.value = String(Math.max(earliest, moment - 5));
      when.textContent = formatTime(Number(timeline.value));
      void playFrom(Math.max(earliest, moment - 5));
    },
  };

  async function playFrom(moment: number): Promise<void> {
    const at = Math.min(moment, Math.floor(Date.now() / 1000) - 10);
    const duration = Math.max(10, Math.floor(Date.now() / 1000) - at);
    const p = await api.get<Playback>(`${path}/playback?from=${at}&duration=${duration}`).catch((e: Error) => { fail(e.message); return null; });
    if (!p?.archive) return;
    stopAll();
    mode.textContent = `Archive from ${formatTime(at)}`;
    if (p.archive.hls) {
      track(playHls(video, p.archive.hls, fail, hls => seekInto(video, hls, at, actual => {
        if (actual > at + 30) mode.textContent = `Archive from ${formatTime(actual)}: the streamer keeps nothing earlier`;
      })));
    } else if (p.archive.mp4) {
      video.src = p.archive.mp4;
      void video.play().catch(() => undefined);
    }
  }

  const clipLength = h("input", { type: "number", min: 1, max: 60, value: 5, inputmode: "numeric" });
  const validity = h("select", {},
    h("option", { value: "900" }, "15 minutes"),
    h("option", { value: "3600" }, "1 hour"),
    h("option", { value: "" }, "as long as the portal allows"));
  const share = h("div", { class: "share" });
  const shareNote = status();
  const makeClip = h("button", { type: "button" }, "Make a link to this clip");
  makeClip.addEventListener("click", async () => {
    const from = Math.min(Number(timeline.value), Math.floor(Date.now() / 1000) - 60);
    const duration = Math.max(1, Math.min(Number(clipLength.value) * 60, Math.floor(Date.now() / 1000) - from));
    try {
      const lifetime = validity.value ? `&expires_in=${validity.value}` : "";
      const p = await api.get<Playback>(`${path}/playback?from=${from}&duration=${duration}${lifetime}`);
      const url = p.archive?.mp4 ?? p.archive?.mpegts;
      if (!url) {
        shareNote.textContent = "This camera's streamer cannot cut clips: there is no link to share.";
        share.replaceChildren();
        return;
      }
      replace(share, field("Clip link", h("input", { readonly: true, value: url, class: "wide" }),
        `Opens only this clip, until ${formatTime(p.expires_at)}.`));
      shareNote.textContent = "Link made.";
    } catch (e) {
      shareNote.textContent = (e as Error).message;
    }
  });
  // A streamer with no clip form (nginx-rtmp) is said to have none up front, not after a click.
  if (!archive.mp4 && !archive.mpegts) {
    shareNote.textContent = "This camera's streamer cannot cut clips: there is no link to share.";
  }
  return h("section", { "aria-labelledby": "archive", class: "archive" }, heading,
    h("p", {}, `Kept for ${camera.dvr_depth} day${camera.dvr_depth === 1 ? "" : "s"}.`),
    field("Moment on the timeline", timeline, `From ${formatTime(earliest)} to now`),
    marks,
    jumps,
    h("p", {}, "Chosen: ", when),
    play,
    h("h3", {}, "Share a clip"),
    ...(archive.mp4 || archive.mpegts
      ? [field("Clip length in minutes", clipLength), field("Link valid for", validity), makeClip, share, shareNote]
      : [shareNote]));
}

/**
 * Puts the playhead at the asked moment. A fixed archive playlist starts at that moment already; a
 * sliding one (a live playlist as long as the archive, as nginx-rtmp writes) ends now, so the moment
 * lies that far back from its end.
 */
function seekInto(video: HTMLVideoElement, hls: Hls | null, moment: number, placed: (actual: number) => void): void {
  const live = hls?.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0]?.details?.live ?? false;
  if (!live) return;
  const place = () => {
    if (video.seekable.length === 0) return;
    const end = video.seekable.end(video.seekable.length - 1);
    const start = video.seekable.start(0);
    const now = Math.floor(Date.now() / 1000);
    const target = Math.max(start, end - (now - moment));
    video.currentTime = target;
    placed(now - Math.round(end - target));
  };
  if (video.seekable.length > 0) place();
  else video.addEventListener("loadedmetadata", place, { once: true });
}
