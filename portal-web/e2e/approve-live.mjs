// An operator approves the pending device, binds it to its camera, watches it live, then opens the archive.
import { config, login, playing, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.goto(`${config.url}/#/devices/pending`);
  const pending = page.locator(`[data-serial="${config.serial}"]`);
  await pending.waitFor({ timeout: 15000 });
  result.pending_text = await pending.innerText();
  await shot(page, "devices-pending");
  await pending.getByRole("button", { name: "Approve" }).click();
  await page.getByText(`Approve: ${config.serial} done.`).waitFor();

  await page.goto(`${config.url}/#/devices/approved`);
  const approved = page.locator(`[data-serial="${config.serial}"]`);
  await approved.waitFor();
  await approved.getByLabel("Camera").selectOption(config.live_camera);
  await approved.getByRole("button", { name: "Bind to camera" }).click();
  await page.getByText(`${config.serial} bound to ${config.live_camera}.`).waitFor();
  result.bound = true;

  await page.goto(`${config.url}/#/camera/${config.live_camera}`);
  await page.locator("#player").waitFor();
  result.mpegts = await page.locator("a.mpegts").count() ? await page.locator("a.mpegts").getAttribute("href") : null;
  result.mpegts_note = await page.locator(".mpegts-none").count() ? await page.locator(".mpegts-none").innerText() : null;
  // The agent starts publishing at the binding: the first fragments take a few seconds.
  await page.waitForFunction(() => document.querySelector("#player")?.currentTime > 0.5, null, { timeout: 60000 });
  result.live = await playing(page, "#player");
  result.live_mode = await page.locator("#mode").innerText();
  await shot(page, "camera-live");

  // Back on the grid: the camera is a favorite now, first, with its live preview playing.
  await page.goto(`${config.url}/#/cameras`);
  await page.getByRole("button", { name: "Add Front door to favorites" }).click();
  await page.getByRole("button", { name: "Remove Front door from favorites" }).waitFor();
  result.first_tile = await page.$eval("[data-camera]", t => t.getAttribute("data-camera"));
  await page.waitForFunction(name => document.querySelector(`[data-camera="${name}"] video`)?.currentTime > 0.5, config.live_camera, { timeout: 30000 });
  result.preview_playing = true;
  await shot(page, "cameras");
  await page.goto(`${config.url}/#/camera/${config.live_camera}`);
  await page.waitForFunction(() => document.querySelector("#player")?.currentTime > 0.5, null, { timeout: 30000 });

  // The archive: a moment a little back on the timeline, played from there.
  await page.waitForTimeout(6000);
  const moment = Math.floor(Date.now() / 1000) - 8;
  await page.getByLabel("Moment on the timeline").evaluate((input, value) => {
    input.value = String(value);
    input.dispatchEvent(new Event("input"));
  }, moment);
  await page.getByRole("button", { name: "Play from this moment" }).click();
  await page.waitForFunction(() => document.querySelector("#mode")?.textContent.startsWith("Archive"), null, { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector("#player")?.currentTime > 0, null, { timeout: 30000 });
  result.archive_mode = await page.locator("#mode").innerText();
  result.archive = await playing(page, "#player");
  result.archive_behind_live = await page.$eval("#player", v => v.seekable.length > 0 ? v.seekable.end(v.seekable.length - 1) - v.currentTime : -1);
  result.clip_button = await page.getByRole("button", { name: "Make a link to this clip" }).count();
  result.clip_note = await page.locator(".archive [role=status]").last().innerText();
  await shot(page, "camera-archive");

  await page.goto(`${config.url}/#/infra`);
  await page.getByRole("heading", { name: "Streamers and relays" }).waitFor();
  result.infra_text = await page.locator("main").innerText();
  await shot(page, "streamers-relays");
});
