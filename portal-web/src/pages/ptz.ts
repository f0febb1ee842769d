import { api, ApiError } from "../api";
import { field, h, status } from "../dom";

export interface PtzPreset { token: string; name: string }

/** The portal stops a move it hears nothing of for 3 s; renewing every second keeps a held button moving. */
const RENEW_MS = 1000;

type Direction = { label: string; key: string; pan: number; tilt: number; zoom: number };
const DIRECTIONS: Direction[] = [
  { label: "Tilt up", key: "ArrowUp", pan: 0, tilt: 1, zoom: 0 },
  { label: "Pan left", key: "ArrowLeft", pan: -1, tilt: 0, zoom: 0 },
  { label: "Pan right", key: "ArrowRight", pan: 1, tilt: 0, zoom: 0 },
  { label: "Tilt down", key: "ArrowDown", pan: 0, tilt: -1, zoom: 0 },
  { label: "Zoom in", key: "+", pan: 0, tilt: 0, zoom: 1 },
  { label: "Zoom out", key: "-", pan: 0, tilt: 0, zoom: -1 },
];

/**
 * PTZ controls for a camera the caller may move, or null when it may not (403) or the camera has
 * no PTZ through the portal (409). A button moves the camera while it is held, by pointer, touch
 * or keyboard (Enter/Space on a button, arrows and +/- on the pad), and stops on release; a lost
 * release (the tab closed, the network gone) is stopped by the portal when the renewals stop.
 */
export async function ptzPanel(path: string): Promise<HTMLElement | null> {
  let presets: PtzPreset[];
  try {
    presets = await api.get<PtzPreset[]>(`${path}/ptz/presets`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 409)) return null;
    throw e;
  }
  const note = status();
  const say = (message: string) => { note.textContent = message; };
  const speed = h("input", { type: "range", min: 0.1, max: 1, step: 0.1, value: 0.5, id: "ptz-speed" });

  let held: Direction | null = null;
  let timer: number | undefined;
  const send = (d: Direction) => {
    const s = Number(speed.value);
    api.post(`${path}/ptz/move`, { pan: d.pan * s, tilt: d.tilt * s, zoom: d.zoom * s })
      .catch((e: Error) => say(`Move refused: ${e.message}`));
  };
  const start = (d: Direction) => {
    if (held === d) return;
    if (held) stop();
    held = d;
    say(`${d.label}…`);
    send(d);
    timer = window.setInterval(() => send(d), RENEW_MS);
  };
  function stop(): void {
    if (!held) return;
    held = null;
    window.clearInterval(timer);
    say("Stopped.");
    api.post(`${path}/ptz/stop`).catch((e: Error) => say(`Stop refused: ${e.message}`));
  }

  const buttons = DIRECTIONS.map(d => {
    const b = h("button", { type: "button", class: "secondary ptz-dir", "data-ptz": d.key, "aria-keyshortcuts": d.key }, d.label);
    b.addEventListener("pointerdown", e => {
      e.preventDefault();
      // Captured, a finger that slides off the button still ends the move where it is lifted.
      try { b.setPointerCapture(e.pointerId); } catch { /* a pointer already gone */ }
      start(d);
    });
    for (const end of ["pointerup", "pointercancel", "lostpointercapture"]) b.addEventListener(end, stop);
    b.addEventListener("contextmenu", e => e.preventDefault());
    b.addEventListener("keydown", e => {
      if ((e.key === "Enter" || e.key === " ") && !e.repeat) { e.preventDefault(); start(d); }
    });
    b.addEventListener("keyup", e => { if (e.key === "Enter" || e.key === " ") stop(); });
    b.addEventListener("blur", stop);
    return b;
  });
  const pad = h("div", { class: "ptz-pad", role: "group", tabindex: 0, "aria-label": "Move the camera: hold an arrow key, + or - to zoom" }, ...buttons);
  pad.addEventListener("keydown", e => {
    const d = DIRECTIONS.find(x => x.key === e.key);
    if (d && e.target === pad) { e.preventDefault(); if (!e.repeat) start(d); }
  });
  pad.addEventListener("keyup", e => { if (e.target === pad && DIRECTIONS.some(x => x.key === e.key)) stop(); });
  pad.addEventListener("blur", stop);
  // Leaving the page must not leave the camera turning: stop as the page goes.
  window.addEventListener("pagehide", stop, { once: true });
  window.addEventListener("hashchange", stop, { once: true });

  const home = h("button", { type: "button", class: "secondary" }, "Home");
  home.addEventListener("click", () => void api.post(`${path}/ptz/home`).then(() => say("Going home."), (e: Error) => say(e.message)));

  const select = h("select", { id: "ptz-preset" });
  const fill = (list: PtzPreset[]) => select.replaceChildren(...list.map(p => h("option", { value: p.token }, p.name || `Preset ${p.token}`)));
  fill(presets);
  const reload = async () => fill(await api.get<PtzPreset[]>(`${path}/ptz/presets`));
  const go = h("button", { type: "button" }, "Go to preset");
  go.addEventListener("click", () => {
    const chosen = select.selectedOptions[0];
    if (!chosen) return;
    void api.post(`${path}/ptz/presets/${encodeURIComponent(chosen.value)}/goto`)
      .then(() => say(`Going to ${chosen.textContent}.`), (e: Error) => say(e.message));
  });
  const name = h("input", { type: "text", maxlength: 64, id: "ptz-preset-name" });
  const save = h("button", { type: "button", class: "secondary" }, "Save position as preset");
  save.addEventListener("click", () => void api.post<PtzPreset>(`${path}/ptz/presets`, { name: name.value.trim() })
    .then(async p => { await reload(); select.value = p.token; say(`Saved as ${p.name}.`); }, (e: Error) => say(e.message)));
  const remove = h("button", { type: "button", class: "secondary" }, "Remove preset");
  remove.addEventListener("click", () => {
    const chosen = select.selectedOptions[0];
    if (!chosen) return;
    void api.del(`${path}/ptz/presets/${encodeURIComponent(chosen.value)}`)
      .then(async () => { await reload(); say(`Removed ${chosen.textContent}.`); }, (e: Error) => say(e.message));
  });

  return h("section", { class: "ptz", "aria-labelledby": "ptz-heading" },
    h("h2", { id: "ptz-heading" }, "Move the camera"),
    pad,
    field("Speed", speed),
    h("div", { class: "actions" }, home),
    field("Preset", select),
    h("div", { class: "actions" }, go, remove),
    field("New preset name", name),
    save,
    note);
}
