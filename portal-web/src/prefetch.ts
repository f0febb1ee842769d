import { api, type Playback } from "./api";

/**
 * A camera's playback answer asked a moment before its page opens (its link hovered, focused or
 * touched in the grid), kept briefly so that the page does not ask again; and the camera's streamer
 * told that a WebRTC viewer is about to come (POST .../webrtc/warm), so that the node starts the
 * camera's feed while the page loads. The node still asks the portal about the token and caps the
 * feeds it runs without a viewer. Answers are kept in memory only, and never past their links.
 */
const KEEP_MS = 20_000;
const kept = new Map<string, { at: number; answer: Promise<Playback> }>();
/** When each camera's feed was last warmed from this page. */
const warmed = new Map<string, number>();

/** The camera's playback answer: the one asked within the last seconds, or a new one. */
export function playbackOf(camera: string): Promise<Playback> {
  const now = Date.now();
  const held = kept.get(camera);
  if (held && now - held.at < KEEP_MS) return held.answer;
  const answer = api.get<Playback>(`/cameras/${encodeURIComponent(camera)}/playback`);
  kept.set(camera, { at: now, answer });
  // A refusal is not kept: the next asker gets its own answer.
  answer.catch(() => { if (kept.get(camera)?.answer === answer) kept.delete(camera); });
  return answer;
}

/** The camera's page is about to open: its playback answer is asked and its WebRTC feed warmed, once per while. */
export function warmLive(camera: string): void {
  const now = Date.now();
  if (now - (warmed.get(camera) ?? 0) < KEEP_MS) return;
  warmed.set(camera, now);
  playbackOf(camera).then(p => {
    if (!p.live.webrtc || p.expires_at * 1000 < Date.now()) return;
    const url = new URL(p.live.webrtc);
    url.pathname += "/warm";
    void fetch(url, { method: "POST" }).catch(() => undefined);
  }, () => undefined);
}
