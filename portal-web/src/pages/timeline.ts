import { api, type Camera, type Playback } from "../api";
import { field, formatTime, h, status } from "../dom";
import { playHls, stopAll, track } from "../player";
import type { Timeline } from "./events";

const DAY = 86_400;
/** One archive playlist covers at most this much; playing on past its end asks for the next. */
const WINDOW = 3 * 3600;
/** The longest clip the streamer node exports at once. */
const MAX_CLIP = 6 * 3600;

interface RecordedRange { from: number; duration: number }
interface Clip { camera: string; from: number; to: number; duration: number; mp4: string; expires_at: number }

/**
 * The camera's archive as a timeline of one day at a time over its whole depth: the recorded ranges
 * and their gaps (recording_status.json of its streamer), the camera's events marked on it, a picture
 * of the moment under the pointer while scrubbing (FROM-preview.jpg), play from any moment
 * (index-FROM-DURATION.m3u8 in the page's player), steps back and forth, and clip export (from, to,
 * then a link to the MP4 with a token of its own).
 */
export function timelinePanel(camera: Camera, playback: Playback, path: string, video: HTMLVideoElement, mode: HTMLElement,
  fail: (message: string) => void, hooks: { timeline: Timeline | null }): Node {
  const heading = h("h2", { id: "archive" }, "Archive");
  if (!playback.archive) {
    return h("section", { "aria-labelledby": "archive" }, heading,
      h("p", {}, camera.dvr_depth > 0 ? "You may not watch this camera's archive." : "This camera keeps no archive."));
  }
  const first = playback.archive;
  if (!first.hls && !first.mp4) {
    return h("section", { "aria-labelledby": "archive" }, heading, h("p", {}, "This camera's streamer cannot play its archive in a browser."));
  }

  // The archive URLs of the answer name a window; the token opens the whole depth, so any moment's
  // URL is made here from the same root and token, and the answer is asked again when it expires.
  // A streamer that lists no recordings (MediaMTX) gets no ranges or pictures, and each moment's URL from the portal.
  let links = first.recording_status ? linksOf(first.recording_status) : null;
  let expiresAt = playback.expires_at;
  const freshLinks = async () => {
    if (!links || expiresAt - 60 > now()) return links;
    const p = await api.get<Playback>(`${path}/playback`);
    if (!p.archive?.recording_status) throw new Error("the archive is no longer open to you");
    links = linksOf(p.archive.recording_status);
    expiresAt = p.expires_at;
    return links;
  };
  const earliest = () => now() - camera.dvr_depth * DAY;

  let day = startOfDay(now());
  let ranges: RecordedRange[] = [];
  let marks: number[] = [];
  let playing: { start: number; duration: number } | null = null;

  const dayInput = h("input", { type: "date", id: "timeline-day" });
  const bar = h("div", { class: "timeline-bar", role: "slider", tabindex: 0, "aria-label": "Moment of the day", "aria-valuemin": 0, "aria-valuemax": DAY });
  const cursor = h("div", { class: "timeline-cursor", hidden: true });
  const thumb = h("img", { class: "timeline-thumb", alt: "", hidden: true });
  const thumbTime = h("span", { class: "timeline-thumb-time" });
  const hover = h("div", { class: "timeline-hover", hidden: true }, thumb, thumbTime);
  const scale = h("div", { class: "timeline-scale", "aria-hidden": "true" }, ...[0, 6, 12, 18, 24].map(hour => h("span", {}, `${hour}:00`)));
  const summary = h("p", { class: "timeline-summary", "aria-live": "polite" });
  const at = h("output", { id: "timeline-at" }, "—");

  const place = (seconds: number) => `${Math.min(100, Math.max(0, ((seconds - day) / DAY) * 100))}%`;
  const draw = () => {
    const blocks = ranges.flatMap(r => {
      const from = Math.max(r.from, day);
      const to = Math.min(r.from + r.duration, day + DAY);
      if (to <= from) return [];
      // Positions through the CSSOM: the portal's Content-Security-Policy refuses style attributes.
      const block = h("div", { class: "recorded", title: `Recorded ${formatTime(from)} to ${formatTime(to)}`, "data-from": from, "data-to": to });
      block.style.left = place(from);
      block.style.width = `${((to - from) / DAY) * 100}%`;
      return [block];
    });
    const ticks = marks.filter(m => m >= day && m < day + DAY).map(m => {
      const tick = h("button", {
        type: "button", class: "event-mark", title: `Event at ${formatTime(m)}`, "aria-label": `Event at ${formatTime(m)}`,
        onclick: (e: Event) => { e.stopPropagation(); void playFrom(Math.max(earliest(), m - 5)); },
      });
      tick.style.left = place(m);
      return tick;
    });
    bar.replaceChildren(...blocks, ...ticks, cursor, hover);
    const recorded = blocks.length === 0 ? "Nothing recorded on this day."
      : `${blocks.length} recorded range${blocks.length === 1 ? "" : "s"} on this day${blocks.length > 1 ? ", with gaps between them" : ""}.`;
    summary.textContent = recorded;
    moveCursor();
  };

  const loadDay = async () => {
    dayInput.min = isoDate(earliest());
    dayInput.max = isoDate(now());
    dayInput.value = isoDate(day);
    try {
      const l = await freshLinks();
      if (!l) {
        ranges = [];
        draw();
        summary.textContent = "This camera's streamer does not list its recordings: pick a moment to play.";
        return;
      }
      const answer = await fetch(`${l.status}&from=${Math.max(day, earliest())}&to=${Math.min(day + DAY, now() + 1)}`);
      if (!answer.ok) throw new Error(answer.status === 403 ? "access to the archive was refused" : `the streamer answered ${answer.status}`);
      const body = await answer.json() as { stream: string; ranges: RecordedRange[] }[];
      ranges = body[0]?.ranges ?? [];
    } catch (e) {
      ranges = [];
      fail(`The recorded ranges could not be read: ${(e as Error).message}.`);
    }
    draw();
  };
  dayInput.addEventListener("change", () => {
    const picked = Date.parse(`${dayInput.value}T00:00:00`);
    if (!Number.isNaN(picked)) {
      day = Math.max(startOfDay(earliest()), Math.min(startOfDay(now()), Math.floor(picked / 1000)));
      void loadDay();
    }
  });
  const shiftDay = (days: number) => h("button", {
    type: "button", class: "secondary", onclick: () => {
      day = Math.max(startOfDay(earliest()), Math.min(startOfDay(now()), startOfDay(day + days * DAY + DAY / 2)));
      void loadDay();
    },
  }, days < 0 ? "◀ Day before" : "Day after ▶");

  /** The moment (Unix seconds) under a pointer on the bar. */
  const momentAt = (clientX: number) => {
    const box = bar.getBoundingClientRect();
    return Math.floor(day + Math.min(1, Math.max(0, (clientX - box.left) / box.width)) * DAY);
  };
  const recordedAt = (moment: number) => ranges.some(r => moment >= r.from && moment < r.from + r.duration);

  /** A moment in a gap goes to the nearest recording: the end of the one before it, or the start of the next. */
  const snap = (moment: number) => {
    if (ranges.length === 0 || recordedAt(moment)) return moment;
    let best = moment;
    let distance = Infinity;
    for (const r of ranges) {
      const end = r.from + r.duration;
      const candidate = moment < r.from ? r.from : Math.max(r.from, end - 10);
      if (Math.abs(candidate - moment) < distance) { distance = Math.abs(candidate - moment); best = candidate; }
    }
    return best;
  };

  // Scrubbing: the picture of the moment under the pointer, asked at most every quarter second.
  let lastAsked = 0;
  let pending: number | undefined;
  bar.addEventListener("pointermove", e => {
    const moment = momentAt(e.clientX);
    hover.hidden = false;
    hover.style.left = place(moment);
    thumbTime.textContent = formatTime(moment);
    window.clearTimeout(pending);
    const ask = () => {
      lastAsked = Date.now();
      // A pixel of the bar is over a minute: the picture is of the recorded moment nearest the pointer.
      const shown = snap(moment);
      if (!links || !recordedAt(shown)) { thumb.hidden = true; return; }
      thumb.src = `${links.root}/${shown}-preview.jpg?token=${links.token}`;
      thumb.hidden = false;
    };
    if (Date.now() - lastAsked > 250) ask(); else pending = window.setTimeout(ask, 250);
  });
  bar.addEventListener("pointerleave", () => { hover.hidden = true; window.clearTimeout(pending); });
  bar.addEventListener("click", e => void playFrom(momentAt(e.clientX)));
  bar.addEventListener("keydown", e => {
    const step = e.key === "ArrowLeft" ? -60 : e.key === "ArrowRight" ? 60 : 0;
    if (step !== 0) { e.preventDefault(); void stepBy(step); }
  });

  async function playFrom(moment: number): Promise<void> {
    const from = Math.max(earliest(), Math.min(snap(moment), now() - 5));
    const duration = Math.max(5, Math.min(WINDOW, now() - from));
    let url: string | null;
    try {
      const l = await freshLinks();
      url = l ? `${l.root}/index-${from}-${duration}.m3u8?token=${l.token}` : await portalUrl(from, duration);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    if (!url) return;
    if (from < day || from >= day + DAY) {
      day = startOfDay(from);
      void loadDay();
    }
    stopAll();
    playing = { start: from, duration };
    mode.textContent = `Archive from ${formatTime(from)}`;
    if (url.includes(".m3u8")) {
      track(playHls(video, url, fail));
    } else {
      video.src = url;
      void video.play().catch(() => undefined);
    }
    moveCursor();
  }

  /** The archive URL of a window as the portal gives it (HLS where there is one, else the MP4). */
  async function portalUrl(from: number, duration: number): Promise<string | null> {
    const p = await api.get<Playback>(`${path}/playback?from=${from}&duration=${duration}`);
    return p.archive?.hls ?? p.archive?.mp4 ?? null;
  }

  /** The moment on screen: where the playing archive playlist started, plus the player's position in it. */
  const currentMoment = () => playing ? playing.start + Math.floor(video.currentTime) : null;
  function moveCursor(): void {
    const moment = currentMoment();
    if (moment === null || moment < day || moment >= day + DAY) { cursor.hidden = true; at.textContent = moment === null ? "—" : formatTime(moment); return; }
    cursor.hidden = false;
    cursor.style.left = place(moment);
    at.textContent = formatTime(moment);
    bar.setAttribute("aria-valuenow", String(moment - day));
    bar.setAttribute("aria-valuetext", formatTime(moment));
  }
  video.addEventListener("timeupdate", () => {
    if (!playing) return;
    if (!mode.textContent?.startsWith("Archive")) { playing = null; cursor.hidden = true; return; }
    moveCursor();
  });

  async function stepBy(seconds: number): Promise<void> {
    const moment = currentMoment() ?? Math.min(now() - 60, day + DAY / 2);
    const target = moment + seconds;
    // Inside the playlist on screen a seek does; outside it, the archive is asked from the new moment.
    if (playing && target >= playing.start && target < playing.start + playing.duration && video.seekable.length > 0 &&
        target - playing.start <= video.seekable.end(video.seekable.length - 1)) {
      video.currentTime = target - playing.start;
      moveCursor();
      return;
    }
    await playFrom(target);
  }
  const step = (label: string, seconds: number) => h("button", { type: "button", class: "secondary", onclick: () => void stepBy(seconds) }, label);

  hooks.timeline = {
    mark: seconds => { marks = seconds.filter(s => s >= earliest()); draw(); },
    jump: moment => void playFrom(Math.max(earliest(), moment - 5)),
  };

  // Clip export: from and to (local time), then the portal's link to the MP4, with a token of its own.
  const clipFrom = h("input", { type: "datetime-local", step: 1, id: "clip-from" });
  const clipTo = h("input", { type: "datetime-local", step: 1, id: "clip-to" });
  const fromPlaying = (input: HTMLInputElement) => h("button", {
    type: "button", class: "secondary",
    onclick: () => { const m = currentMoment(); if (m !== null) input.value = localInput(m); },
  }, "Use the moment on screen");
  const clipNote = status();
  const clipLink = h("p", { class: "clip-link" });
  const exportClip = h("button", { type: "button", id: "export-clip" }, "Export MP4");
  exportClip.addEventListener("click", async () => {
    const from = Math.floor(Date.parse(clipFrom.value) / 1000);
    const to = Math.floor(Date.parse(clipTo.value) / 1000);
    clipLink.replaceChildren();
    if (!(from > 0) || !(to > from)) { clipNote.textContent = "Choose a start and an end after it."; return; }
    if (to - from > MAX_CLIP) { clipNote.textContent = "A clip is at most 6 hours long."; return; }
    try {
      const clip = await api.post<Clip>(`${path}/clips`, { from, to });
      clipLink.replaceChildren(h("a", { href: clip.mp4, download: `${clip.camera}-${clip.from}.mp4`, class: "clip-mp4" }, `Download the MP4 (${clip.duration} s)`),
        ` · valid until ${formatTime(clip.expires_at)}`);
      clipNote.textContent = "Clip ready.";
    } catch (e) {
      clipNote.textContent = (e as Error).message;
    }
  });
  const initial = Math.max(earliest(), now() - 600);
  clipFrom.value = localInput(initial);
  clipTo.value = localInput(initial + 60);

  void loadDay();
  return h("section", { "aria-labelledby": "archive", class: "archive" }, heading,
    h("p", {}, `Kept for ${camera.dvr_depth} day${camera.dvr_depth === 1 ? "" : "s"}.`),
    h("div", { class: "actions" }, shiftDay(-1), field("Day", dayInput), shiftDay(1)),
    h("div", { class: "timeline" }, bar, scale),
    summary,
    h("p", {}, "On screen: ", at),
    h("div", { class: "actions", role: "group", "aria-label": "Step through the archive" },
      step("−1 min", -60), step("−10 s", -10), step("+10 s", 10), step("+1 min", 60)),
    h("h3", {}, "Export a clip"),
    h("div", { class: "actions clip" },
      h("div", {}, field("Clip from", clipFrom), fromPlaying(clipFrom)),
      h("div", {}, field("Clip to", clipTo), fromPlaying(clipTo))),
    exportClip, clipNote, clipLink);
}

interface Links { root: string; token: string; status: string }

/** The camera's root on its streamer and the archive token, from its recording_status URL. */
function linksOf(statusUrl: string): Links {
  const url = new URL(statusUrl);
  const token = url.searchParams.get("token") ?? "";
  const root = statusUrl.slice(0, statusUrl.lastIndexOf("/recording_status.json"));
  return { root, token, status: statusUrl };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function startOfDay(unix: number): number {
  const d = new Date(unix * 1000);
  d.setHours(0, 0, 0, 0);
  return Math.floor(d.getTime() / 1000);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function isoDate(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A datetime-local input's value for a moment, in the browser's time zone. */
function localInput(unix: number): string {
  const d = new Date(unix * 1000);
  return `${isoDate(unix)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
