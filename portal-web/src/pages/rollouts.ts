import { api, type AgentRelease, type Rollout, type RolloutView } from "../api";
import { field, flash, flashed, formatTime, h, status } from "../dom";
import type { Context } from "../main";
import { pager } from "../paging";

/**
 * Agent updates: the signed releases the portal holds (upload, delete), a form that starts a
 * staged rollout, and each rollout's waves and devices, refreshed while the page is open, with
 * pause, resume and cancel.
 */
export async function rolloutsPage(ctx: Context): Promise<Node> {
  const releases = await api.all<AgentRelease>("/releases");
  const note = flashed();
  const reload = () => ctx.go("rollouts");
  const list = h("section", { "aria-labelledby": "rollouts-h" }, h("h2", { id: "rollouts-h" }, "Rollouts"));
  // Newest first, 20 at a time; older ones on request.
  const views: RolloutView[] = [];
  const rollouts = await pager<Rollout>("/rollouts?limit=20", "rollouts", async added => {
    const more = await Promise.all(added.map(r => api.get<RolloutView>(`/rollouts/${r.id}`)));
    views.push(...more);
    for (const view of more) list.append(rolloutCard(view, note, reload));
  });
  if (rollouts.items.length === 0) list.append(h("p", {}, "No rollout yet."));
  // Progress comes from the portal's driver: look again while the page is shown.
  const live = views.filter(v => v.rollout.state === "running" || v.rollout.state === "paused");
  if (live.length > 0) {
    const timer = window.setInterval(async () => {
      if (!list.isConnected) { window.clearInterval(timer); return; }
      for (const v of live) {
        const fresh = await api.get<RolloutView>(`/rollouts/${v.rollout.id}`).catch(() => null);
        const old = list.querySelector(`[data-rollout="${v.rollout.id}"]`);
        if (fresh && old) old.replaceWith(rolloutCard(fresh, note, reload));
      }
    }, 2000);
  }
  return h("section", {},
    h("h1", {}, "Agent updates"),
    note,
    releasesSection(releases, note, reload),
    newRollout(releases, reload),
    list,
    rollouts.controls);
}

function releasesSection(releases: AgentRelease[], note: HTMLElement, reload: () => void): Node {
  const file = h("input", { type: "file", name: "release", accept: ".release,application/octet-stream", required: true });
  const form = h("form", { class: "card", id: "upload-release" },
    field("Signed release file", file, "the .release file ./build.sh sign-release wrote; the portal checks its signature"),
    h("button", { type: "submit" }, "Upload"));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    if (!file.files || file.files.length === 0) { note.textContent = "Choose a release file."; return; }
    note.textContent = "Uploading…";
    try {
      const stored = await api.upload<AgentRelease>("/releases", file.files[0]);
      flash(`Release ${stored.version} for ${stored.rid} stored.`);
      reload();
    } catch (err) {
      note.textContent = `Upload refused: ${(err as Error).message}`;
    }
  });
  const rows = releases.map(r => h("tr", { "data-release": r.version },
    h("td", {}, r.version), h("td", {}, r.rid), h("td", {}, `${(r.size / 1048576).toFixed(2)} MiB`),
    h("td", { class: "mono" }, r.sha256.slice(0, 16) + "…"), h("td", {}, r.uploaded_by), h("td", {}, formatTime(r.created_at)),
    h("td", {}, h("button", {
      type: "button", "aria-label": `Delete release ${r.version} for ${r.rid}`,
      onclick: async () => {
        try { await api.del(`/releases/${r.id}`); flash(`Release ${r.version} deleted.`); reload(); } catch (err) { note.textContent = `Delete failed: ${(err as Error).message}`; }
      },
    }, "Delete"))));
  return h("section", { "aria-labelledby": "releases-h" }, h("h2", { id: "releases-h" }, "Releases"),
    releases.length === 0 ? h("p", {}, "No release yet.") : h("div", { class: "scroll" }, h("table", { class: "releases" },
      h("thead", {}, h("tr", {}, ["Version", "RID", "Size", "SHA-256", "By", "Uploaded", ""].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))),
    form);
}

function newRollout(releases: AgentRelease[], reload: () => void): Node {
  if (releases.length === 0) return h("p", {}, "Upload a release to roll it out.");
  const release = h("select", { name: "release" }, releases.map(r => h("option", { value: String(r.id) }, `${r.version} (${r.rid})`)));
  const target = h("select", { name: "target" },
    h("option", { value: "all" }, "Every device"), h("option", { value: "group" }, "A camera group"),
    h("option", { value: "percent" }, "A share of the devices"), h("option", { value: "device" }, "One device"));
  const which = h("input", { name: "which", autocomplete: "off" });
  const waves = h("input", { name: "waves", value: "1, 10%, 50%, rest", autocomplete: "off" });
  const threshold = h("input", { name: "failure_percent", type: "number", min: 0, max: 100, value: 20 });
  const comeBack = h("input", { name: "come_back_seconds", type: "number", min: 10, max: 86400, value: 600 });
  const downgrade = h("input", { name: "downgrade", type: "checkbox" });
  const result = status();
  const form = h("form", { class: "card", id: "new-rollout" },
    h("h2", {}, "New rollout"),
    field("Release", release), field("Target", target),
    field("Group, percentage or device id", which, "for a group, a share (1 to 100) or one device"),
    field("Waves", waves, "sizes in order: a count, a percentage, or rest; each starts when the one before came back"),
    field("Halt when more than this % of a wave fails", threshold),
    field("Seconds a device has to come back on the new version", comeBack),
    h("label", { class: "check" }, downgrade, " Force a downgrade (rolling back to an older version)"),
    h("button", { type: "submit" }, "Start rollout"), result);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      release_id: Number(release.value), target: target.value,
      waves: waves.value.split(",").map(s => s.trim()).filter(s => s.length > 0),
      failure_percent: Number(threshold.value), come_back_seconds: Number(comeBack.value), downgrade: downgrade.checked,
    };
    if (target.value === "group") body.group = which.value.trim();
    if (target.value === "device") body.device = which.value.trim();
    if (target.value === "percent") body.percent = Number(which.value);
    try {
      const view = await api.post<RolloutView>("/rollouts", body);
      flash(`Rollout ${view.rollout.id} of ${view.rollout.version} started: ${view.wave_progress.length} wave(s).`);
      reload();
    } catch (err) {
      result.textContent = `Rollout refused: ${(err as Error).message}`;
    }
  });
  return form;
}

function rolloutCard(view: RolloutView, note: HTMLElement, reload: () => void): HTMLElement {
  const r = view.rollout;
  const act = (label: string, path: string) => h("button", {
    type: "button",
    onclick: async () => {
      try { await api.post(`/rollouts/${r.id}/${path}`); flash(`Rollout ${r.id}: ${label.toLowerCase()} done.`); reload(); } catch (err) { note.textContent = `${label} failed: ${(err as Error).message}`; }
    },
  }, label);
  const buttons: Node[] = [];
  if (r.state === "running") buttons.push(act("Pause", "pause"));
  if (r.state === "paused") buttons.push(act("Resume", "resume"));
  if (r.state === "running" || r.state === "paused" || r.state === "halted") buttons.push(act("Cancel", "cancel"));
  const pill = r.state === "done" ? "ok" : r.state === "halted" ? "bad" : "";
  return h("article", { class: "card rollout", "data-rollout": String(r.id), "data-state": r.state },
    h("h3", {}, `Rollout ${r.id}: ${r.version} (${r.rid}) to ${r.target} `, h("span", { class: `pill ${pill}` }, r.state)),
    r.reason ? h("p", { class: r.state === "halted" ? "error rollout-reason" : "rollout-reason", role: "status" }, r.reason) : null,
    h("p", {}, `Waves ${r.waves}; halts above ${r.failure_percent}% failed; ${r.come_back_seconds} s to come back${r.downgrade ? "; downgrade forced" : ""}.`),
    h("div", { class: "scroll" }, h("table", { class: "waves" },
      h("caption", {}, "Waves"),
      h("thead", {}, h("tr", {}, ["Wave", "Devices", "Waiting", "Updating", "Updated", "Failed"].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, view.wave_progress.map(w => h("tr", { "aria-current": w.wave === r.current_wave + 1 && r.state === "running" ? "step" : null },
        h("td", {}, String(w.wave)), h("td", {}, String(w.devices)), h("td", {}, String(w.waiting)), h("td", {}, String(w.in_progress)),
        h("td", {}, String(w.updated)), h("td", {}, String(w.failed))))))),
    h("div", { class: "scroll" }, h("table", { class: "rollout-devices" },
      h("caption", {}, "Devices"),
      h("thead", {}, h("tr", {}, ["Device", "Camera", "Wave", "State", "Version", "Why"].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, view.devices.map(d => h("tr", { "data-device": d.device_id },
        h("td", {}, d.serial || d.device_id), h("td", {}, d.camera ?? "—"), h("td", {}, d.wave >= 0 ? String(d.wave + 1) : "—"),
        h("td", { class: "device-state" }, d.state), h("td", {}, d.from_version === d.agent_version ? d.agent_version : `${d.from_version} → ${d.agent_version}`),
        h("td", {}, d.reason ?? "")))))),
    h("div", { class: "actions" }, buttons));
}
