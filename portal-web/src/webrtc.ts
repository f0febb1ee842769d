import type { IceServer } from "./api";
import type { Player } from "./player";

/**
 * Live video over WebRTC from the camera's streamer node (vigil-live and Janus behind the node's
 * nginx). The node offers: POST {webrtc URL} answers Janus's SDP offer and the session's path; the
 * browser answers (PATCH the session, application/sdp) and trickles later candidates; it POSTs every
 * 3 s while it watches, and DELETE ends it. Resolves once the first frame is on screen; rejects with a reason when WebRTC cannot play
 * here (no RTCPeerConnection, refused, no connection within the time), so that the caller falls back
 * to HLS. onEnd is told when a session that played ends (the node hung up: the right was revoked,
 * the camera stopped).
 */
export async function playWebRtc(video: HTMLVideoElement, url: string, iceServers: IceServer[], onEnd: (reason: string) => void,
  timeoutMs = 6000): Promise<Player> {
  if (typeof RTCPeerConnection === "undefined") throw new Error("not in this browser");
  const servers: RTCIceServer[] = iceServers.map(s => s.username && s.credential
    ? { urls: s.urls, username: s.username, credential: s.credential } : { urls: s.urls });
  // The reasons say in plain words why the page plays HLS instead: blocked on the way, refused by
  // the streamer, or no video from it.
  const opened = await fetch(url, { method: "POST" }).catch(() => {
    throw new Error("blocked, the streamer's WebRTC address could not be reached from this browser");
  });
  if (!opened.ok) {
    const body = await opened.json().catch(() => ({})) as { error?: string };
    throw new Error(body.error ? `refused by the streamer, ${body.error}`
      : opened.status >= 500 ? `the streamer's WebRTC service did not answer (HTTP ${opened.status})` : `refused by the streamer (HTTP ${opened.status})`);
  }
  const { location, sdp } = await opened.json() as { location: string; sdp: string };
  const token = new URL(url).searchParams.get("token") ?? "";
  const session = new URL(location, url);
  session.searchParams.set("token", token);
  const pc = new RTCPeerConnection({ iceServers: servers });
  let stopped = false;
  let alive: number | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    window.clearInterval(alive);
    window.removeEventListener("pagehide", stop);
    pc.close();
    if (video.srcObject) video.srcObject = null;
    void fetch(session, { method: "DELETE", keepalive: true }).catch(() => undefined);
  };
  // Leaving the page ends the session at once; a page that vanished is noticed by its silence.
  window.addEventListener("pagehide", stop);
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.ontrack = e => { stream.addTrack(e.track); video.srcObject = stream; void video.play().catch(() => undefined); };
    await pc.setRemoteDescription({ type: "offer", sdp });
    // Candidates found after the answer went are trickled to the node (RFC 8840 fragments), in order, after it.
    let sent: Promise<unknown> | null = null;
    const trickle = (line: string) => {
      sent = (sent ?? Promise.resolve()).then(() => fetch(session, { method: "PATCH", headers: { "Content-Type": "application/trickle-ice-sdpfrag" }, body: line + "\r\n" }))
        .catch(() => undefined);
    };
    pc.onicecandidate = e => {
      if (sent === null) return; // still going into the answer itself
      trickle(e.candidate ? `a=${e.candidate.candidate}` : "a=end-of-candidates");
    };
    await pc.setLocalDescription(await pc.createAnswer());
    // The answer goes at once and every candidate follows it, trickled: waiting for gathering to end
    // (a TURN allocation, a STUN round trip) would hold the whole connection back. Janus offers its
    // own candidates in the offer, so the browser's checks start meanwhile.
    const answer = pc.localDescription?.sdp ?? "";
    const answered = fetch(session, { method: "PATCH", headers: { "Content-Type": "application/sdp" }, body: answer });
    sent = answered;
    if (!(await answered).ok) throw new Error(`the streamer refused the answer (${(await answered).status})`);
    // The node forgets a silent viewer; a 404 here means the node ended the session (a revoked right, a camera gone).
    alive = window.setInterval(() => void fetch(session, { method: "POST" }).then(r => {
      if (r.status === 404 && !stopped) { stop(); onEnd("the streamer ended the session"); }
    }, () => undefined), 3000);
    await firstFrame(video, pc, timeoutMs);
  } catch (e) {
    stop();
    throw e;
  }
  pc.onconnectionstatechange = () => {
    if (!stopped && (pc.connectionState === "failed" || pc.connectionState === "closed" || pc.connectionState === "disconnected")) {
      stop();
      onEnd(`the WebRTC connection ${pc.connectionState === "closed" ? "was closed by the streamer" : pc.connectionState}`);
    }
  };
  return { stop, hls: null };
}

/** Resolves at the first decoded frame; rejects if the connection fails or nothing comes within maxMs. */
function firstFrame(video: HTMLVideoElement, pc: RTCPeerConnection, maxMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error(pc.connectionState === "connected"
      ? `no feed, connected but no video came within ${Math.round(maxMs / 1000)} s`
      : `blocked, no connection to the streamer's media within ${Math.round(maxMs / 1000)} s (UDP or TURN blocked on the way?)`)), maxMs);
    const check = window.setInterval(() => {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        window.clearInterval(check);
        window.clearTimeout(timer);
        reject(new Error(`blocked, the WebRTC connection ${pc.connectionState} (no network path to the streamer's media)`));
      } else if (video.readyState >= 2 && video.videoWidth > 0) {
        window.clearInterval(check);
        window.clearTimeout(timer);
        resolve();
      }
    }, 50);
  });
}
