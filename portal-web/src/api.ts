/** The portal's JSON API, called with the session cookie that login sets (HttpOnly, SameSite=Strict). */

export class ApiError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }
}

export interface User { id: number; login: string; email: string; role: "admin" | "operator" | "user"; is_active: boolean; note: string }
/** A camera as the API answers it; stream_url (its source, often with its login) only in answers to staff. */
export interface Camera {
  name: string; title: string; stream_url?: string; dvr_depth: number; enabled: boolean; access: string;
  group: string | null; owner: string | null; streamer: string | null; agent_serial: string; comment: string;
}
export interface Device {
  id: string; fingerprint: string; serial: string; model: string; firmware: string; agent_version: string; state: string;
  camera: string | null; first_seen: number; last_seen: number; address: string; relay_node: string | null; connected: boolean;
  serial_warning: string | null;
  /** What the agent said of its media: its camera's codec and why it refused an assignment (null when it did not). */
  video_codec?: string | null; media_error?: string | null;
  /** The RID the agent runs on and the outcome of its last update (null before any). */
  rid?: string; update_state?: string | null; update_version?: string | null; update_reason?: string | null;
}
export interface AgentRelease { id: number; name: string; version: string; rid: string; size: number; sha256: string; uploaded_by: string; created_at: number }
export interface Rollout {
  id: number; release: string; version: string; rid: string; target: string; waves: string; failure_percent: number; downgrade: boolean;
  come_back_seconds: number; state: string; reason: string | null; current_wave: number; created_by: string; created_at: number;
}
export interface RolloutWave { wave: number; devices: number; waiting: number; in_progress: number; updated: number; failed: number; skipped: number }
export interface RolloutDevice {
  device_id: string; serial: string; camera: string | null; wave: number; state: string; reason: string | null; from_version: string;
  agent_version: string; sent: number;
}
export interface RolloutView { rollout: Rollout; wave_progress: RolloutWave[]; devices: RolloutDevice[] }
/** A STUN or TURN server of the camera's streamer node, as RTCPeerConnection takes it (credentials short-lived). */
export interface IceServer { urls: string[]; username: string | null; credential: string | null }

export interface Playback {
  camera: string; streamer: string;
  live: { hls: string; mpegts: string | null; webrtc?: string | null; ice_servers?: IceServer[] | null };
  archive: { from: number; duration: number; hls: string | null; mpegts: string | null; mp4: string | null; timeshift: string | null; recording_status?: string | null } | null;
  expires_at: number;
}
export interface Branding { title: string; logo: string | null; primary_color: string; accent_color: string }
export interface ImportAnswer { created: number; updated: number; errors: { line: number; error: string }[]; errors_not_listed: number }

/** One page of a list and the address of the next (relative to /api/v1), null on the last page. */
export interface Page<T> { items: T[]; next: string | null }

/** The next page's address from the portal's `Link: <...>; rel="next"` header, made relative to /api/v1. */
export function nextLink(header: string | null): string | null {
  const m = header?.match(/<([^>]*)>\s*;\s*rel="?next"?/);
  if (!m) return null;
  const url = new URL(m[1], location.origin);
  return url.origin === location.origin && url.pathname.startsWith("/api/v1/") ? url.pathname.slice("/api/v1".length) + url.search : null;
}

async function call<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  return (await send<T>(method, path, body, contentType)).json;
}

async function send<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ json: T; response: Response }> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = contentType;
  }
  const response = await fetch(`/api/v1${path}`, init);
  const text = await response.text();
  const json = text.length > 0 && (text[0] === "{" || text[0] === "[") ? JSON.parse(text) : null;
  if (!response.ok && !(response.status === 422 && json && "errors" in json)) {
    throw new ApiError(response.status, (json && json.error) || `${response.status} ${response.statusText}`);
  }
  return { json: json as T, response };
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  /** One page of a list: its rows and the next page's address. */
  page: async <T>(path: string): Promise<Page<T>> => {
    const { json, response } = await send<T[]>("GET", path);
    return { items: json ?? [], next: nextLink(response.headers.get("Link")) };
  },
  /** Every row of a short list (groups, streamers), page after page. */
  all: async <T>(path: string): Promise<T[]> => {
    const rows: T[] = [];
    for (let next: string | null = path; next !== null;) {
      const page: Page<T> = await api.page<T>(next);
      rows.push(...page.items);
      next = page.next;
    }
    return rows;
  },
  post: <T>(path: string, body: unknown = {}) => call<T>("POST", path, body),
  put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
  patch: <T>(path: string, body: unknown) => call<T>("PATCH", path, body),
  del: <T>(path: string) => call<T>("DELETE", path),
  csv: <T>(path: string, text: string) => call<T>("POST", path, text, "text/csv"),
  upload: <T>(path: string, file: Blob) => call<T>("POST", path, file, "application/octet-stream"),
};
