// The portal as an app on a phone's home screen: Chromium finds it installable, its service worker
// runs and keeps the app shell (the page opens offline), and nothing else: API answers and a streamer's
// playlist still come from the network after the worker took over. A new build's worker replaces the
// old shell's cache.
import { createServer } from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config, login, scenario, shot } from "./lib.mjs";

// The streamer's HTTP side, as far as a playlist goes: each answer carries a new number. (The
// portal's health check asks it too: only playlists are counted.)
let served = 0;
const streamer = createServer((req, res) => {
  if (!req.url.includes(".m3u8")) { res.writeHead(200); res.end("ok"); return; }
  served++;
  res.writeHead(200, { "Content-Type": "application/vnd.apple.mpegurl", "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" });
  res.end(`#EXTM3U\n#EXT-X-VERSION:3\n# answer ${served}\n`);
});
await new Promise(resolve => streamer.listen(config.playlist_port, "127.0.0.1", resolve));

try {
  await scenario(async (page, result, context) => {
    await login(page, config.admin);
    result.sw_state = await page.evaluate(async () => {
      const worker = (await navigator.serviceWorker.ready).active;
      if (worker.state !== "activated") await new Promise(resolve => worker.addEventListener("statechange", () => { if (worker.state === "activated") resolve(); }));
      return worker.state;
    });
    // The worker claims the page it was installed from; a reload is surely under it.
    await page.reload();
    await page.getByRole("heading", { name: "Cameras" }).waitFor();
    result.controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null);

    const cdp = await context.newCDPSession(page);
    result.installability_errors = (await cdp.send("Page.getInstallabilityErrors")).installabilityErrors;
    const manifest = await cdp.send("Page.getAppManifest");
    result.manifest_url = manifest.url;
    result.manifest_errors = manifest.errors;
    result.manifest = JSON.parse(manifest.data ?? "null");
    result.manifest_type = await page.evaluate(async () => (await fetch("/manifest.webmanifest")).headers.get("content-type"));

    // The API after a change gives the new answer, not a kept one.
    result.titles = await page.evaluate(async title => {
      const read = async () => (await (await fetch("/api/v1/branding")).json()).title;
      const before = await read();
      const put = await fetch("/api/v1/branding", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title }) });
      return [before, put.status, await read()];
    }, config.new_title);
    // A playlist from the streamer's origin: both asks reach it.
    result.playlists = await page.evaluate(async url => {
      const read = async () => (await (await fetch(url)).text()).match(/answer (\d+)/)[1];
      return [await read(), await read()];
    }, `http://127.0.0.1:${config.playlist_port}/cam/index.m3u8`);
    result.streamer_served = served;
    result.cached = await page.evaluate(async () => {
      const out = {};
      for (const key of await caches.keys()) out[key] = (await (await caches.open(key)).keys()).map(r => new URL(r.url).pathname + new URL(r.url).search);
      return out;
    });

    // Offline: the shell opens from the worker's cache; the API does not answer from any cache.
    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { name: "Offline" }).waitFor({ timeout: 10000 });
    result.offline_heading = await page.locator("h1").first().innerText();
    result.offline_api = await page.evaluate(async () => {
      try { return `answered ${(await fetch("/api/v1/branding")).status}`; } catch { return "failed"; }
    });
    await shot(page, "offline-shell");
    await context.setOffline(false);

    // A new build: a worker with another version takes over and the old shell's cache goes.
    const sw = join(config.web_root, "sw.js");
    const text = readFileSync(sw, "utf8");
    const version = text.match(/const VERSION = "([^"]+)"/)[1];
    writeFileSync(sw, text.replace(`const VERSION = "${version}"`, `const VERSION = "${version}next"`));
    result.old_version = version;
    result.after_update = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration.update();
      const worker = registration.installing ?? registration.waiting;
      if (worker && worker.state !== "activated") {
        await new Promise(resolve => worker.addEventListener("statechange", () => { if (worker.state === "activated") resolve(); }));
      }
      // The old cache is deleted inside the activate event, before "activated".
      return await caches.keys();
    });
  });
} finally {
  streamer.close();
}
