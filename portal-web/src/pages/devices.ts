import { api, type Camera, type Device, type User } from "../api";
import { field, flash, flashed, formatTime, h } from "../dom";
import { PAGE, pager } from "../paging";
import { suggestions, type Suggestions } from "../suggest";
import type { Context } from "../main";

const states = ["pending", "approved", "rejected", "revoked"] as const;

/** Devices (agents) by state, with what identifies each, and what an operator does with them. */
export async function devicesPage(ctx: Context, state: string): Promise<Node> {
  const current = (states as readonly string[]).includes(state) ? state : "pending";
  const note = flashed();
  const tabs = h("ul", { class: "tabs" }, states.map(s =>
    h("li", {}, h("a", { href: `#/devices/${s}`, "aria-current": s === current ? "page" : null }, s[0].toUpperCase() + s.slice(1)))));
  // The cameras and users a device may be given to, searched on the portal as the operator types.
  const names: Choices = {
    cameras: suggestions<Camera>("camera-names", "/cameras", c => c.name, c => c.title || c.name),
    users: suggestions<User>("user-logins", "/users", u => u.login, u => u.email || u.login),
  };
  const list = h("ul", { class: "cards", "aria-label": `${current} devices` });
  const pages = await pager<Device>(`/devices?state=${current}&limit=${PAGE}`, "devices",
    added => list.append(...added.map(d => deviceCard(d, names, note, () => ctx.go(`devices/${current}`)))));
  return h("section", {},
    h("h1", {}, "Devices"),
    h("nav", { "aria-label": "Device states" }, tabs),
    note,
    pages.items.length === 0 ? h("p", {}, `No ${current} device.`) : [list, pages.controls],
    names.cameras.list, names.users.list);
}

interface Choices { cameras: Suggestions<Camera>; users: Suggestions<User> }

function deviceCard(d: Device, names: Choices, note: HTMLElement, reload: () => void): HTMLElement {
  const act = (label: string, action: () => Promise<unknown>) => h("button", {
    type: "button",
    onclick: async () => {
      try {
        await action();
        flash(`${label}: ${d.serial || d.id} done.`);
        reload();
      } catch (e) {
        note.textContent = `${label} failed: ${(e as Error).message}`;
      }
    },
  }, label);
  const path = `/devices/${encodeURIComponent(d.id)}`;
  const buttons: Node[] = [];
  if (d.state !== "approved") buttons.push(act("Approve", () => api.post(`${path}/approve`)));
  if (d.state === "pending") buttons.push(act("Reject", () => api.post(`${path}/reject`)));
  if (d.state === "approved") buttons.push(act("Revoke", () => api.post(`${path}/revoke`)));

  const cameraChoice = h("input", { autocomplete: "off", value: d.camera ?? "", placeholder: "camera name" });
  names.cameras.watch(cameraChoice);
  const bindCamera = h("form", { class: "inline" }, field("Camera", cameraChoice), h("button", { type: "submit" }, "Bind to camera"));
  bindCamera.addEventListener("submit", async e => {
    e.preventDefault();
    const camera = cameraChoice.value.trim();
    if (!camera) { note.textContent = "Choose a camera to bind to."; return; }
    try {
      await api.post(`${path}/bind`, { camera });
      flash(`${d.serial || d.id} bound to ${camera}.`);
      reload();
    } catch (err) {
      note.textContent = `Binding failed: ${(err as Error).message}`;
    }
  });
  const userLogin = h("input", { name: "user", autocomplete: "off", required: true });
  names.users.watch(userLogin);
  const bindUser = h("form", { class: "inline" }, field("User login", userLogin), h("button", { type: "submit" }, "Give to user"));
  bindUser.addEventListener("submit", async e => {
    e.preventDefault();
    try {
      const bound = await api.post<Device>(`${path}/bind`, { user: userLogin.value.trim() });
      flash(`${d.serial || d.id} given to ${userLogin.value.trim()} with camera ${bound.camera}.`);
      reload();
    } catch (err) {
      note.textContent = `Giving failed: ${(err as Error).message}`;
    }
  });
  return h("li", { class: "card device", "data-device": d.id, "data-serial": d.serial },
    h("h2", {}, d.serial || d.id, " ", h("span", { class: `pill ${d.connected ? "ok" : "off"}` }, d.connected ? "online" : "offline")),
    d.serial_warning ? h("p", { class: "error", role: "note" }, `Serial in doubt: ${d.serial_warning}. Compare the key fingerprint before approving.`) : null,
    h("dl", {},
      h("dt", {}, "Model"), h("dd", {}, d.model || "—"),
      h("dt", {}, "Firmware"), h("dd", {}, d.firmware || "—"),
      h("dt", {}, "Agent"), h("dd", { class: "agent-version" }, d.agent_version || "—", d.rid ? ` (${d.rid})` : ""),
      d.update_state ? [h("dt", {}, "Last update"), h("dd", { class: "update-outcome" },
        `${d.update_version ?? ""}: ${d.update_state}${d.update_reason ? ` (${d.update_reason})` : ""}`)] : null,
      h("dt", {}, "Key fingerprint"), h("dd", { class: "mono" }, d.fingerprint),
      h("dt", {}, "Address"), h("dd", {}, d.address || "—"),
      h("dt", {}, "Relay node"), h("dd", {}, d.relay_node ?? "—"),
      h("dt", {}, "First seen"), h("dd", {}, formatTime(d.first_seen)),
      h("dt", {}, "Last seen"), h("dd", {}, formatTime(d.last_seen)),
      h("dt", {}, "Camera"), h("dd", {}, d.camera ? h("a", { href: `#/camera/${encodeURIComponent(d.camera)}` }, d.camera) : "—"),
      d.video_codec ? [h("dt", {}, "Video codec"), h("dd", {}, d.video_codec.toUpperCase())] : null),
    d.media_error ? h("p", { class: "error media-error", role: "status" }, `Streaming refused: ${d.media_error}`) : null,
    h("div", { class: "actions" }, buttons),
    d.state === "approved" || d.state === "pending" ? [bindCamera, bindUser] : null);
}
