import { api, ApiError, type User } from "../api";
import { field, h, status } from "../dom";

export function loginPage(done: (user: User) => Promise<void>): Node {
  const login = h("input", { name: "login", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const result = status();
  const form = h("form", { class: "card narrow", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Log in"),
    field("Login", login),
    field("Password", password),
    h("button", { type: "submit" }, "Log in"),
    result);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    result.textContent = "";
    try {
      const answer = await api.post<{ user: User }>("/auth/login", { login: login.value, password: password.value });
      await done(answer.user);
    } catch (err) {
      result.textContent = err instanceof ApiError && err.status === 401 ? "Wrong login or password." : (err as Error).message;
      result.classList.add("error");
      password.select();
    }
  });
  queueMicrotask(() => login.focus());
  return form;
}
