import "./style.css";
import { api, ApiError, type Branding, type User } from "./api";
import { h, replace } from "./dom";
import { stopAll } from "./player";
import { onColor } from "./color";
import { loginPage } from "./pages/login";
import { camerasPage } from "./pages/cameras";
import { cameraPage } from "./pages/camera";
import { devicesPage } from "./pages/devices";
import { managePage } from "./pages/manage";
import { importPage } from "./pages/import";
import { peoplePage } from "./pages/people";
import { infraPage } from "./pages/infra";
import { claimPage } from "./pages/claim";
import { brandingPage } from "./pages/branding";
import { rolloutsPage } from "./pages/rollouts";

/** What every page gets: who is logged in, and a way to go elsewhere. */
export interface Context {
  user: User;
  go: (route: string) => void;
  refreshBranding: () => Promise<void>;
}

type Page = (ctx: Context, arg: string) => Promise<Node>;

interface Route { path: string; title: string; page: Page; staff?: boolean; admin?: boolean; nav?: boolean }

const routes: Route[] = [
  { path: "cameras", title: "Cameras", page: camerasPage, nav: true },
  { path: "camera", title: "Camera", page: cameraPage },
  { path: "claim", title: "Claim a camera", page: claimPage, nav: true },
  { path: "devices", title: "Devices", page: devicesPage, staff: true, nav: true },
  { path: "manage", title: "Manage cameras", page: managePage, staff: true, nav: true },
  { path: "import", title: "Import", page: importPage, staff: true, nav: true },
  { path: "people", title: "Users and groups", page: peoplePage, admin: true, nav: true },
  { path: "infra", title: "Streamers and relays", page: infraPage, staff: true, nav: true },
  { path: "rollouts", title: "Agent updates", page: rolloutsPage, staff: true, nav: true },
  { path: "branding", title: "Branding", page: brandingPage, admin: true, nav: true },
];

const header = document.getElementById("top")!;
const main = document.getElementById("main")!;
let user: User | null = null;
let branding: Branding = { title: "Vigil", logo: null, primary_color: "#1f6feb", accent_color: "#f0883e" };

function allowed(route: Route, who: User): boolean {
  if (route.admin) return who.role === "admin";
  if (route.staff) return who.role === "admin" || who.role === "operator";
  return true;
}

async function applyBranding(): Promise<void> {
  try {
    branding = await api.get<Branding>("/branding");
  } catch {
    // The defaults stand when the branding cannot be read.
  }
  const root = document.documentElement.style;
  root.setProperty("--primary", branding.primary_color);
  document.querySelector('meta[name="theme-color"]')?.setAttribute("content", branding.primary_color);
  root.setProperty("--accent", branding.accent_color);
  // Text on the primary colour: white or black, whichever the operator's colour contrasts with more.
  root.setProperty("--on-primary", onColor(branding.primary_color));
  document.title = branding.title;
  drawHeader();
}

function go(route: string): void {
  if (location.hash === `#/${route}`) void render();
  else location.hash = `#/${route}`;
}

function drawHeader(): void {
  const current = location.hash.replace(/^#\/?/, "").split("/")[0];
  const brand = h("a", { class: "brand", href: "#/cameras" },
    branding.logo ? h("img", { src: branding.logo, alt: "", height: 32 }) : null,
    h("span", {}, branding.title));
  if (!user) {
    replace(header, h("div", { class: "bar" }, brand));
    return;
  }
  const who = user;
  const links = routes.filter(r => r.nav && allowed(r, who)).map(r =>
    h("li", {}, h("a", { href: `#/${r.path}`, "aria-current": r.path === current ? "page" : null }, r.title)));
  const logout = h("button", { type: "button", class: "link", onclick: async () => {
    await api.post("/auth/logout").catch(() => undefined);
    user = null;
    go("login");
  } }, `Log out ${who.login}`);
  replace(header, h("div", { class: "bar" }, brand, h("nav", { "aria-label": "Main" }, h("ul", {}, links, h("li", {}, logout)))));
}

let navigated = false;

async function render(): Promise<void> {
  const [path, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const arg = decodeURIComponent(rest.join("/"));
  if (!user && path !== "login") {
    try {
      user = await api.get<User>("/auth/whoami");
    } catch (e) {
      if (!(e instanceof ApiError)) {
        // No answer at all: offline (the app itself came from the service worker's shell).
        drawHeader();
        replace(main, h("h1", {}, "Offline"), h("p", { role: "alert" }, "The portal cannot be reached. Reload when the network is back."));
        return;
      }
      if (e.status !== 401) throw e;
    }
  }
  if (!user || path === "login") {
    user = null;
    drawHeader();
    replace(main, loginPage(async who => {
      user = who;
      go("cameras");
    }));
    return;
  }
  const route = routes.find(r => r.path === path) ?? routes[0];
  if (!routes.some(r => r.path === path)) {
    history.replaceState(null, "", "#/cameras");
  }
  drawHeader();
  if (!allowed(route, user)) {
    replace(main, h("h1", {}, "Not allowed"), h("p", {}, "Your account may not open this page."));
    return;
  }
  stopAll();
  replace(main, h("p", { class: "loading" }, "Loading…"));
  try {
    const node = await route.page({ user, go, refreshBranding: applyBranding }, arg);
    replace(main, node);
    document.title = `${route.title} · ${branding.title}`;
    // A screen reader hears the new page from its start, and Tab goes on from there.
    if (navigated) main.focus({ preventScroll: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      user = null;
      go("login");
      return;
    }
    replace(main, h("h1", {}, route.title), h("p", { class: "error", role: "alert" }, e instanceof Error ? e.message : String(e)));
  }
}

window.addEventListener("hashchange", () => {
  navigated = true;
  void render();
});
void applyBranding().then(render);
// The app shell's worker (built into /sw.js): the app opens from a phone's home screen and offline.
// It keeps no video and no API answer (sw/sw.js says how).
if ("serviceWorker" in navigator) {
  void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}
