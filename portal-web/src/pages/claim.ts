import { api, ApiError, type Camera } from "../api";
import { field, h, status } from "../dom";
import type { Context } from "../main";

/** An end user claims a camera that came online with the serial and PIN printed on its sticker. */
export async function claimPage(ctx: Context): Promise<Node> {
  const serial = h("input", { name: "serial", required: true, autocomplete: "off", autocapitalize: "characters" });
  const pin = h("input", { name: "pin", required: true, inputmode: "numeric", autocomplete: "off" });
  // Needed only when several devices report the serial: the portal then says so and lists their keys.
  const fingerprint = h("input", { name: "fingerprint", autocomplete: "off", spellcheck: false, placeholder: "optional: cb44:a1e6:…" });
  const note = status();
  const form = h("form", { class: "card narrow" }, h("h1", {}, "Claim a camera"),
    h("p", {}, "Plug the camera in, wait until it is online, then type what its sticker says."),
    field("Serial", serial), field("PIN", pin), field("Key fingerprint (if asked)", fingerprint), h("button", { type: "submit" }, "Claim"), note);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    note.textContent = "";
    try {
      const camera = await api.post<Camera>("/devices/claim",
        { serial: serial.value.trim(), pin: pin.value.trim(), fingerprint: fingerprint.value.trim() || null });
      ctx.go(`camera/${encodeURIComponent(camera.name)}`);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      note.textContent = status === 403 ? "The serial and PIN do not match." :
        status === 429 ? "Too many wrong PINs: wait a few minutes." :
        status === 409 ? `Not possible now: ${(err as Error).message}` : (err as Error).message;
    }
  });
  return form;
}
