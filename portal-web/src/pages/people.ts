import { api, type User } from "../api";
import { field, flash, flashed, h } from "../dom";
import { PAGE, pager } from "../paging";
import { suggestions } from "../suggest";
import type { Context } from "../main";

interface Group { id: number; name: string; title: string }
interface Member { user_id: number; login: string; can_dvr: boolean; can_ptz: boolean; can_manage: boolean }

/** Users and groups with their camera rights (admins). */
export async function peoplePage(ctx: Context): Promise<Node> {
  const note = flashed();
  const reload = () => ctx.go("people");
  const run = async (what: string, action: () => Promise<unknown>) => {
    try { await action(); flash(`${what}: done.`); reload(); } catch (e) { note.textContent = `${what} failed: ${(e as Error).message}`; }
  };

  const login = h("input", { name: "login", required: true, autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", minlength: 8, autocomplete: "new-password" });
  const role = h("select", { name: "role" }, ["user", "operator", "admin"].map(r => h("option", { value: r }, r)));
  const newUser = h("form", { class: "card" }, h("h2", {}, "New user"), field("Login", login), field("Password", password), field("Role", role),
    h("button", { type: "submit" }, "Create user"));
  newUser.addEventListener("submit", e => { e.preventDefault(); void run(`User ${login.value}`, () => api.post("/users", { login: login.value, password: password.value || null, role: role.value })); });

  const userRow = (u: User) => h("tr", {},
    h("td", {}, u.login),
    h("td", {}, roleChoice(u, role => void run(`Role of ${u.login}`, () => api.patch(`/users/${u.id}`, { role })))),
    h("td", {}, u.is_active ? "active" : "inactive"),
    h("td", {}, h("button", { type: "button", onclick: () => void run(`${u.login}`, () => api.patch(`/users/${u.id}`, { is_active: !u.is_active })) },
      u.is_active ? `Deactivate ${u.login}` : `Activate ${u.login}`)));
  const userRows = h("tbody", {});
  const users = await pager<User>(`/users?limit=${PAGE}`, "users", added => userRows.append(...added.map(userRow)));

  const groupName = h("input", { name: "group", required: true, pattern: "[A-Za-z0-9._-]+" });
  const groupTitle = h("input", { name: "title" });
  const newGroup = h("form", { class: "card" }, h("h2", {}, "New group"), field("Name", groupName), field("Title", groupTitle),
    h("button", { type: "submit" }, "Create group"));
  newGroup.addEventListener("submit", e => { e.preventDefault(); void run(`Group ${groupName.value}`, () => api.post("/groups", { name: groupName.value, title: groupTitle.value })); });

  const people = suggestions<User>("member-logins", "/users", u => u.login, u => u.email || u.login);
  const groupCard = async (g: Group) => {
    const members = await api.get<Member[]>(`/groups/${encodeURIComponent(g.name)}/members`);
    // Any user of the portal, found as the admin types, not only those of the pages loaded above.
    const who = h("input", { name: "member", autocomplete: "off", required: true, placeholder: "login or e-mail" });
    people.watch(who);
    const dvr = h("input", { type: "checkbox" });
    const ptz = h("input", { type: "checkbox" });
    const manage = h("input", { type: "checkbox" });
    const add = h("form", { class: "inline" }, field("User", who),
      h("label", { class: "check" }, dvr, " archive"), h("label", { class: "check" }, ptz, " PTZ"), h("label", { class: "check" }, manage, " manage"),
      h("button", { type: "submit" }, `Add to ${g.name}`));
    add.addEventListener("submit", e => {
      e.preventDefault();
      void run(`Member of ${g.name}`, async () => {
        const user = await people.find(who.value.trim());
        if (!user) throw new Error(`no user with the login ${who.value.trim()}`);
        await api.put(`/groups/${encodeURIComponent(g.name)}/members/${user.id}`, { can_dvr: dvr.checked, can_ptz: ptz.checked, can_manage: manage.checked });
      });
    });
    return h("li", { class: "card" }, h("h3", {}, g.title || g.name, " ", h("small", {}, g.name)),
      h("ul", {}, members.map(m => h("li", {}, m.login, m.can_dvr ? " · archive" : "", m.can_ptz ? " · PTZ" : "", m.can_manage ? " · manage" : "", " ",
        h("button", { type: "button", class: "link", onclick: () => void run(`Removing ${m.login}`, () => api.del(`/groups/${encodeURIComponent(g.name)}/members/${m.user_id}`)) }, `Remove ${m.login}`)))),
      add);
  };
  const groupCards = h("ul", { class: "cards", "aria-label": "Groups" });
  const groups = await pager<Group>(`/groups?limit=${PAGE}`, "groups", async added => groupCards.append(...await Promise.all(added.map(groupCard))));

  return h("section", {}, h("h1", {}, "Users and groups"), note,
    h("div", { class: "scroll" }, h("table", {}, h("caption", {}, "Users"),
      h("thead", {}, h("tr", {}, ["Login", "Role", "State", "Action"].map(t => h("th", { scope: "col" }, t)))),
      userRows)),
    users.controls,
    newUser,
    h("h2", {}, "Groups"), groupCards, groups.controls, newGroup, people.list);
}

function roleChoice(user: User, change: (role: string) => void): HTMLSelectElement {
  const select = h("select", { "aria-label": `Role of ${user.login}` },
    ["user", "operator", "admin"].map(r => h("option", { value: r, selected: r === user.role }, r)));
  select.addEventListener("change", () => change(select.value));
  return select;
}
