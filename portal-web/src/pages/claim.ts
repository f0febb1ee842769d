import { api, ApiError, type Camera } from "../api";
import { field, h, status } from "../dom";
import type { Context } from "../main";

/** An end user claims a camera that came online with the serial and PIN printed on its sticker. */
export async function claimPage(ctx: Context): Promise<Node> {
  const serial = h("input", { name: "serial", required: true, autocomplete: "off", autocapitalize: "characters" });
  const pin = h("input", { name: "pin", required: true, inputmode: "numeric", autocomplete: "off" });
  const note = status();
  const form = h("form", { class: "card narrow" }, h("h1", {}, "Claim a camera"),
    h("p", {}, "Plug the camera in, wait until it is online, then type what its sticker says."),
    field("Serial", serial), field("PIN", pin), h("button", { type: "submit" }, "Claim"), note);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    try {
      const camera = await api.post<Camera>("/devices/claim", { serial: serial.value.trim(), pin: pin.value.trim() });
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
