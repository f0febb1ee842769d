// The web portal's service worker: it keeps the app shell (index.html, the built scripts and styles,
// the icons) so that the app opens from the home screen and offline, and nothing else. The build
// fills in SHELL and VERSION (vite.config.ts): a new build is a new cache, and the old one is deleted
// when the new worker takes over.
//
// What it never keeps, by construction: it answers only same-origin GETs of the shell's own paths
// and page loads; everything else (the API with its tokens and answers, /hooks, snapshots, and every
// other origin: the streamers' HLS, MPEG-TS, MP4 and WebRTC signaling) is not touched and goes to the
// network as if there were no worker.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHE = `vigil-shell-${VERSION}`;
const PREFIX = "vigil-shell-";
const NEVER = ["/api/", "/hooks/", "/internal/", "/healthz"];

self.addEventListener("install", event => {
  // cache: "reload" skips the HTTP cache, so a new build's shell is what the network has now.
  event.waitUntil(caches.open(CACHE)
    .then(cache => cache.addAll(SHELL.map(path => new Request(path, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith(PREFIX) && k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.some(p => url.pathname.startsWith(p))) return;
  if (request.mode === "navigate") {
    // A page load: the network's index.html when there is a network (a new build shows at once),
    // the kept one when there is none.
    event.respondWith(fetch(request).catch(() => caches.open(CACHE).then(cache => cache.match("/index.html")))
      .then(response => response ?? Response.error()));
    return;
  }
  if (!SHELL.includes(url.pathname)) return;
  // The shell's files have content hashes in their names (or are small and kept per build): the kept copy.
  event.respondWith(caches.open(CACHE).then(cache => cache.match(url.pathname)).then(hit => hit ?? fetch(request)));
});
