import { api, type ImportAnswer } from "../api";
import { field, h, replace, status } from "../dom";
import type { Context } from "../main";

/** CSV import of cameras (operators) and users (admins), and a vigil-scan result turned into cameras; every bad line is shown. */
export async function importPage(ctx: Context): Promise<Node> {
  const kinds = [{ value: "cameras", label: "Cameras (CSV)" }, { value: "scan", label: "Cameras from a vigil-scan result (JSON)" }];
  if (ctx.user.role === "admin") kinds.push({ value: "users", label: "Users (CSV)" });
  const kind = h("select", { name: "kind" }, kinds.map(k => h("option", { value: k.value }, k.label)));
  const mode = h("select", { name: "mode" },
    h("option", { value: "partial" }, "Write the good lines, list the bad ones"),
    h("option", { value: "all" }, "All or nothing"));
  const file = h("input", { type: "file", name: "file", accept: ".csv,.json,text/csv,application/json" });
  const text = h("textarea", { name: "text", rows: 8, spellcheck: false, placeholder: "name,title,stream_url,dvr_depth,access" });
  const result = h("div", { id: "import-result" });
  const note = status();
  const form = h("form", { class: "card" },
    field("What to import", kind),
    field("When a line is bad", mode),
    field("File", file, "or paste its text below"),
    field("Text", text),
    h("button", { type: "submit" }, "Import"),
    note);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const body = file.files && file.files.length > 0 ? await file.files[0].text() : text.value;
    if (body.trim().length === 0) { note.textContent = "Choose a file or paste its text."; return; }
    note.textContent = "Importing…";
    result.replaceChildren();
    try {
      if (kind.value === "scan") {
        const answer = await api.post<{ created: number; skipped: number; errors: { device: string; error: string }[] }>("/cameras/import-scan", body);
        note.textContent = `${answer.created} created, ${answer.skipped} already there, ${answer.errors.length} with errors.`;
        replace(result, errorTable(answer.errors.map(x => [x.device, x.error]), "Device"));
        return;
      }
      const answer = await api.csv<ImportAnswer>(`/${kind.value}/import?mode=${mode.value}`, body);
      const written = answer.errors.length > 0 && mode.value === "all" ? "Nothing was written. " : "";
      note.textContent = `${written}${answer.created} created, ${answer.updated} updated, ${answer.errors.length + answer.errors_not_listed} bad line${answer.errors.length === 1 ? "" : "s"}.`;
      replace(result, errorTable(answer.errors.map(x => [String(x.line), x.error]), "Line"),
        answer.errors_not_listed > 0 ? h("p", {}, `${answer.errors_not_listed} more not listed.`) : null);
    } catch (err) {
      note.textContent = `Import refused: ${(err as Error).message}`;
    }
  });
  return h("section", {}, h("h1", {}, "Import"), form, result);
}

function errorTable(rows: string[][], first: string): Node | null {
  if (rows.length === 0) return null;
  return h("table", { class: "errors" },
    h("caption", {}, "Bad lines"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, first), h("th", { scope: "col" }, "Error"))),
    h("tbody", {}, rows.map(([a, b]) => h("tr", {}, h("td", {}, a), h("td", {}, b)))));
}
