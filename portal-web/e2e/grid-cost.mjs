// `bench grid`: the camera grid of every camera, once with stills (#/cameras) and once with a live
// player per tile (#/cameras/live), each held for config.seconds in a viewport where every tile is
// on screen. The benchmark measures the processes around it; this prints "PHASE name begin|end"
// lines for it to take its readings at, and the bytes the page received from each origin and what
// the tiles showed in each phase.
import { config, login, scenario } from "./lib.mjs";

await scenario(async (page, result) => {
  await page.setViewportSize({ width: 1920, height: config.viewport_height ?? 3400 });
  await login(page, config.admin);
  // The pointer off the grid: a tile under it would play live on hover.
  await page.mouse.move(0, 0);
  let bytes = {};
  page.on("requestfinished", async request => {
    const sizes = await request.sizes().catch(() => null);
    if (!sizes) return;
    const origin = new URL(request.url()).origin;
    bytes[origin] = (bytes[origin] ?? 0) + sizes.responseBodySize + sizes.responseHeadersSize;
  });
  const phase = async (name, route, showing) => {
    await page.goto(`${config.url}/#/${route}`);
    await page.locator("li.tile").nth(config.cameras - 1).waitFor({ timeout: 30000 });
    // Settled first: every tile's first still or first fragments in, then the window measured.
    await page.waitForTimeout(10000);
    bytes = {};
    console.log(`PHASE ${name} begin`);
    await page.waitForTimeout(config.seconds * 1000);
    console.log(`PHASE ${name} end`);
    // A copy: what arrives after the window is not counted in it.
    result[name] = { bytes_by_origin: { ...bytes }, tiles: await page.locator("li.tile").count(), showing: await page.evaluate(showing) };
  };
  await phase("stills", "cameras", () => [...document.querySelectorAll("li.tile img.still")].filter(i => !i.hidden && i.naturalWidth > 0).length);
  // Playing at the end of the window (past its first second, not paused, the current frame there),
  // and how many tiles played at all during the phase.
  await phase("live", "cameras/live", () => {
    const videos = [...document.querySelectorAll("li.tile video")].filter(v => !v.hidden);
    return { playing: videos.filter(v => !v.paused && v.currentTime > 1 && v.readyState >= 2).length, played: videos.filter(v => v.currentTime > 1).length };
  });
});
