// The grid's stills, and the PTZ controls on the camera page: hold to move (mouse, keyboard, touch), stop on release,
// presets, and a release lost with the network is stopped by the portal. The camera's position is
// read back through the API (GetStatus at the simulated camera).
import { config, login, scenario, shot, unlabelled } from "./lib.mjs";

await scenario(async (page, result, context) => {
  await login(page, config.admin);
  const settle = ms => page.waitForTimeout(ms);

  // The grid: a still of the camera, refreshed every few seconds; live on hover, the still again after.
  const tile = `[data-camera="${config.ptz_camera}"]`;
  await page.waitForFunction(t => document.querySelector(`${t} img.still`)?.naturalWidth > 0, tile, { timeout: 15000 });
  result.grid_still = await page.$eval(`${tile} img.still`, i => ({ width: i.naturalWidth, height: i.naturalHeight, hidden: i.hidden, src: i.src }));
  result.grid_video_hidden = await page.$eval(`${tile} video`, v => v.hidden);
  await settle(5500);
  result.grid_refreshed = await page.$eval(`${tile} img.still`, (i, before) => i.src !== before, result.grid_still.src);
  await page.hover(`${tile} .preview`);
  await settle(1500);
  result.grid_hover = await page.$eval(`${tile} .preview`, p => ({ still_hidden: p.querySelector("img").hidden, caption: p.querySelector("p").textContent }));
  await page.mouse.move(1, 1);
  await settle(300);
  result.grid_left_still_hidden = await page.$eval(`${tile} img.still`, i => i.hidden);
  // #/cameras/live: every tile on screen live, without hover, stills or not.
  await page.goto(`${config.url}/#/cameras/live`);
  await page.locator(`${tile} .preview p`).filter({ hasText: "Not on a streamer yet" }).waitFor({ timeout: 15000 }).catch(() => undefined);
  result.grid_live = await page.$eval(`${tile} .preview`, p => ({ still_hidden: p.querySelector("img").hidden, caption: p.querySelector("p").textContent }));
  await page.goto(`${config.url}/#/camera/${config.ptz_camera}`);
  await page.getByRole("heading", { name: "Move the camera" }).waitFor({ timeout: 20000 });
  const at = () => page.evaluate(async path => (await fetch(`/api/v1/cameras/${path}/ptz/status`)).json(), config.ptz_camera);
  result.unlabelled = await unlabelled(page);
  await shot(page, "ptz-camera-page");

  // Mouse: held past the portal's 3 s hold, kept moving by the page's renewals.
  result.mouse_before = await at();
  const right = page.getByRole("button", { name: "Pan right" });
  await right.hover();
  await page.mouse.down();
  await settle(4000);
  result.mouse_held = await at();
  await page.mouse.up();
  await settle(500);
  result.mouse_released = await at();
  await settle(800);
  result.mouse_still = await at();

  // Keyboard: Enter held on a button.
  await page.getByRole("button", { name: "Tilt up" }).focus();
  await page.keyboard.down("Enter");
  await settle(1200);
  result.key_held = await at();
  await page.keyboard.up("Enter");
  await settle(500);
  result.key_released = await at();
  await settle(600);
  result.key_still = await at();

  // Keyboard on the pad: an arrow key held.
  await page.getByRole("group", { name: /Move the camera/ }).focus();
  await page.keyboard.down("ArrowLeft");
  await settle(1200);
  result.arrow_held = await at();
  await page.keyboard.up("ArrowLeft");
  await settle(500);
  result.arrow_released = await at();

  // Touch: a finger on "Zoom in" (a real touch through the DevTools protocol), then lifted.
  const box = await page.getByRole("button", { name: "Zoom in" }).boundingBox();
  const cdp = await context.newCDPSession(page);
  const finger = { x: box.x + box.width / 2, y: box.y + box.height / 2, id: 1 };
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [finger] });
  await settle(1200);
  result.touch_held = await at();
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await settle(500);
  result.touch_released = await at();
  await settle(600);
  result.touch_still = await at();

  // A preset from the list.
  await page.getByLabel("Preset", { exact: true }).selectOption({ label: "Parking" });
  await page.getByRole("button", { name: "Go to preset" }).click();
  await settle(800);
  result.preset = await at();
  result.status_text = await page.locator(".ptz [role=status]").innerText();

  // The release is lost: the network goes while the button is held (slowly, so the head stays in range).
  await page.getByLabel("Speed").fill("0.1");
  await page.getByRole("button", { name: "Tilt down" }).hover();
  await page.mouse.down();
  await settle(1000);
  await context.setOffline(true);
  await settle(1500);
  result.lost_moving = await page.evaluate(() => true);
  await page.mouse.up();
  await settle(3500);
  await context.setOffline(false);
  result.lost_first = await at();
  await settle(800);
  result.lost_later = await at();

  // An event at the camera: on the page within 2 s (the portal's PullPoint, then the page's poll).
  await page.getByRole("heading", { name: "Events" }).waitFor();
  const shown = await page.locator("[data-kind=motion]").count();
  const raised = Date.now();
  await fetch(config.camera_raise, { method: "POST" });
  await page.waitForFunction(n => document.querySelectorAll("[data-kind=motion]").length > n, shown, { timeout: 10000, polling: 50 });
  result.event_on_page_ms = Date.now() - raised;
  result.event_text = await page.locator("[data-kind=motion]").first().innerText();

  // An event that comes after it with an earlier camera time (the camera's clock two minutes behind):
  // the panel asks for what the portal stored since, not for what is later in camera time.
  const before = await page.locator("[data-event]").count();
  const lateRaised = Date.now();
  await fetch(`${config.camera_raise.replace(/kind=\w+/, "kind=tamper")}&behind=120`, { method: "POST" });
  result.late_event_on_page = await page.waitForFunction(n => document.querySelectorAll("[data-event]").length > n, before, { timeout: 10000, polling: 50 })
    .then(() => true, () => false);
  result.late_event_on_page_ms = Date.now() - lateRaised;
  result.events_in_order = await page.locator("[data-event]").evaluateAll(items => items.map(i => i.dataset.kind));
  await shot(page, "ptz-camera-events");
});
