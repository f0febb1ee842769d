import { api, type Branding } from "../api";
import { field, h, status } from "../dom";
import type { Context } from "../main";

/** The operator's branding: title, logo and colours, shown to everyone. */
export async function brandingPage(ctx: Context): Promise<Node> {
  const b = await api.get<Branding>("/branding");
  const title = h("input", { name: "title", value: b.title, required: true });
  const logo = h("input", { name: "logo", type: "url", value: b.logo ?? "", placeholder: "https://…/logo.svg" });
  const primary = h("input", { name: "primary", type: "color", value: b.primary_color });
  const accent = h("input", { name: "accent", type: "color", value: b.accent_color });
  const note = status();
  const form = h("form", { class: "card narrow" }, h("h1", {}, "Branding"),
    field("Title", title), field("Logo address", logo, "An image URL; empty for none"),
    field("Primary colour", primary), field("Accent colour", accent),
    h("button", { type: "submit" }, "Save"), note);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    try {
      await api.put("/branding", { title: title.value, logo: logo.value || null, primary_color: primary.value, accent_color: accent.value });
      await ctx.refreshBranding();
      note.textContent = "Saved.";
    } catch (err) {
      note.textContent = `Not saved: ${(err as Error).message}`;
    }
  });
  return form;
}
