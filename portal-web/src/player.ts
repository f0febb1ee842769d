import Hls from "hls.js";
import type { Playback } from "./api";
import { playWebRtc } from "./webrtc";

/** A playing HLS source on a video element; stop() frees it. */
export interface Player { stop: () => void; hls: Hls | null }

/**
 * Plays an HLS URL in a video element: through hls.js (Media Source Extensions) where the browser has
 * them, natively where it plays HLS itself (Safari, iOS). onError gets a sentence for the viewer.
 */
export function playHls(video: HTMLVideoElement, url: string, onError: (message: string) => void, onReady?: (hls: Hls | null) => void): Player {
  if (Hls.isSupported()) {
    const hls = new Hls({ liveDurationInfinity: false, backBufferLength: 60 });
    let waits = 0;
    let retry: number | undefined;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const status = data.response?.code;
      // A camera that has just come online has no playlist for a few seconds: wait for it a while.
      if (status === 404 && data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR && waits < 30) {
        waits++;
        onError("Waiting for the camera's video…");
        retry = window.setTimeout(() => hls.loadSource(url), 2000);
        return;
      }
      onError(status === 403 || status === 401
        ? "The streamer refused to play this video (access denied or the link expired)."
        : status === 404
          ? "The streamer has no video for this camera right now."
          : `The video could not be played (${data.details}).`);
      hls.destroy();
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      onError("");
      onReady?.(hls);
      void video.play().catch(() => undefined);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    return { stop: () => { window.clearTimeout(retry); hls.destroy(); }, hls };
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    video.addEventListener("loadedmetadata", () => { onReady?.(null); void video.play().catch(() => undefined); }, { once: true });
    video.addEventListener("error", () => onError("The video could not be played."), { once: true });
    return { stop: () => { video.removeAttribute("src"); video.load(); }, hls: null };
  }
  onError("This browser cannot play HLS video.");
  return { stop: () => undefined, hls: null };
}

/**
 * Live video the fastest way the browser and the streamer allow: WebRTC (under a second behind the
 * camera) where the streamer offers it and the browser can play it, else HLS, falling back by
 * itself when WebRTC is refused, blocked or silent. onMode says which is playing and why.
 * A WebRTC session that the streamer ends (a revoked right, a camera gone) is not replaced by HLS
 * behind the viewer's back: the page says it ended.
 */
export function playLive(video: HTMLVideoElement, live: Playback["live"], onError: (message: string) => void, onMode: (mode: string) => void): Player {
  let current: Player | null = null;
  let stopped = false;
  const hls = (why: string) => {
    if (stopped) return;
    onMode(why ? `Live · HLS (WebRTC: ${why})` : "Live · HLS");
    current = playHls(video, live.hls, onError);
  };
  if (!live.webrtc || typeof RTCPeerConnection === "undefined") {
    hls(live.webrtc ? "not in this browser" : "");
  } else {
    onMode("Live · connecting over WebRTC…");
    playWebRtc(video, live.webrtc, live.ice_servers ?? [], reason => {
      onMode("Live · WebRTC ended");
      onError(`The live video ended: ${reason}. Press "Watch live" to try again.`);
    }).then(player => {
      if (stopped) { player.stop(); return; }
      current = player;
      onError("");
      onMode("Live · WebRTC");
    }, (e: Error) => hls(e.message));
  }
  return { stop: () => { stopped = true; current?.stop(); }, hls: null };
}

/** Players of the page on screen; the router stops them when the page changes. */
const active = new Set<Player>();

export function track(player: Player): Player {
  active.add(player);
  return player;
}

export function stopAll(): void {
  for (const p of active) p.stop();
  active.clear();
}
