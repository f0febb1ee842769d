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
  await approved.getByLabel("Camera").fill(config.live_camera);
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

  // WebRTC blocked on the way (as a firewall, a proxy or an extension would): the page plays HLS and says why.
  await page.route("**/webrtc**", route => route.abort("blockedbyclient"));
  await page.getByRole("button", { name: "Watch live" }).click();
  await page.waitForFunction(() => document.querySelector("#mode")?.textContent.startsWith("Live · HLS"), null, { timeout: 30000 });
  result.blocked_mode = await page.locator("#mode").innerText();
  await page.unroute("**/webrtc**");

  // Back on the grid: the camera is a favorite now, first, with its live preview playing.
  await page.goto(`${config.url}/#/cameras`);
  await page.getByRole("button", { name: "Add Front door to favorites" }).click();
  await page.getByRole("button", { name: "Remove Front door from favorites" }).waitFor();
  result.first_tile = await page.$eval("[data-camera]", t => t.getAttribute("data-camera"));
  // Its tile shows a still (this camera has no snapshot address: the still is a picture of its
  // archive), and plays live while the pointer is over it.
  await page.waitForFunction(name => {
    const img = document.querySelector(`[data-camera="${name}"] img.still`);
    return img && !img.hidden && img.naturalWidth > 0;
  }, config.live_camera, { timeout: 30000 });
  result.preview_still = true;
  await page.locator(`[data-camera="${config.live_camera}"] .preview`).hover();
  await page.waitForFunction(name => document.querySelector(`[data-camera="${name}"] video`)?.currentTime > 0.5, config.live_camera, { timeout: 30000 });
  result.preview_playing = true;
  await shot(page, "cameras");
  await page.goto(`${config.url}/#/camera/${config.live_camera}`);
  await page.waitForFunction(() => document.querySelector("#player")?.currentTime > 0.5, null, { timeout: 30000 });

  // The archive: the timeline shows what has been recorded since the binding; a click on it plays
  // from there; a picture of the moment comes while the pointer moves over it; a clip exports to an MP4
  // that plays in a <video>.
  await page.waitForTimeout(15000);
  await page.getByRole("button", { name: "Day after ▶" }).click();
  const recorded = page.locator(".timeline-bar .recorded").last();
  await recorded.waitFor({ timeout: 30000 });
  result.recorded_ranges = await page.locator(".timeline-bar .recorded").count();
  result.recorded_from = Number(await recorded.getAttribute("data-from"));
  result.recorded_to = Number(await recorded.getAttribute("data-to"));
  result.recorded_summary = await page.locator(".timeline-summary").innerText();
  result.now = Math.floor(Date.now() / 1000);
  const box = await page.locator(".timeline-bar").boundingBox();
  const block = await recorded.boundingBox();
  await page.mouse.move(block.x + block.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => { const i = document.querySelector(".timeline-thumb"); return i && !i.hidden && i.complete && i.naturalWidth > 0; }, null, { timeout: 20000 });
  result.thumb_width = await page.$eval(".timeline-thumb", i => i.naturalWidth);
  await page.mouse.click(block.x + block.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => document.querySelector("#mode")?.textContent.startsWith("Archive"), null, { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector("#player")?.currentTime > 0, null, { timeout: 30000 });
  result.archive_mode = await page.locator("#mode").innerText();
  result.archive = await playing(page, "#player");
  result.archive_at = await page.locator("#timeline-at").innerText();
  await page.getByRole("button", { name: "−10 s" }).click();
  result.stepped_at = await page.locator("#timeline-at").innerText();

  const clipFrom = result.recorded_from + 2;
  await page.evaluate(([from, to]) => {
    const local = unix => { const d = new Date(unix * 1000); const p = n => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`; };
    document.querySelector("#clip-from").value = local(from);
    document.querySelector("#clip-to").value = local(to);
  }, [clipFrom, Math.min(clipFrom + 10, Math.floor(Date.now() / 1000) - 2)]);
  await page.getByRole("button", { name: "Export MP4" }).click();
  const link = page.locator("a.clip-mp4");
  await link.waitFor({ timeout: 15000 });
  result.clip_url = await link.getAttribute("href");
  await page.evaluate(url => {
    const v = document.createElement("video");
    v.id = "clip-check";
    v.muted = true;
    v.src = url;
    document.body.append(v);
    void v.play();
  }, result.clip_url);
  await page.waitForFunction(() => document.querySelector("#clip-check")?.currentTime > 0, null, { timeout: 30000 });
  result.clip = await playing(page, "#clip-check", 2);
  result.clip_duration = await page.$eval("#clip-check", v => v.duration);
  await shot(page, "camera-archive");

  await page.goto(`${config.url}/#/infra`);
  await page.getByRole("heading", { name: "Streamers and relays" }).waitFor();
  result.infra_text = await page.locator("main").innerText();
  await shot(page, "streamers-relays");
});
