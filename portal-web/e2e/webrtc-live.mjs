// A viewer opens a camera's page: it plays over WebRTC, says so, and its video advances (with
// config.force_relay only through TURN). With
// config.block_webrtc the network refuses the streamer's WebRTC signaling and the page must fall back
// to HLS by itself. With config.ready_file the scenario then tells the test it is playing (the test
// revokes something) and records when the last frame came, for up to config.watch_seconds.
import { writeFileSync } from "node:fs";
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  if (config.force_relay) {
    // Only TURN: every candidate the page may use is a relayed one, as for a viewer whose NAT lets no UDP through otherwise.
    await page.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      window.__pcs = [];
      window.RTCPeerConnection = function (configuration) {
        const pc = new Native({ ...configuration, iceTransportPolicy: "relay" });
        window.__pcs.push(pc);
        return pc;
      };
      window.RTCPeerConnection.prototype = Native.prototype;
    });
  }
  if (config.block_webrtc) {
    await page.route("**/webrtc**", route => route.abort("blockedbyclient"));
  }
  // Every decoded frame's wall-clock time on the camera page's player, from requestVideoFrameCallback.
  await page.addInitScript(() => {
    window.__frames = [];
    let hooked = null;
    setInterval(() => {
      const v = document.querySelector("#player");
      if (!v || v === hooked) return;
      hooked = v;
      const tick = () => { window.__frames.push(Date.now()); v.requestVideoFrameCallback(tick); };
      v.requestVideoFrameCallback(tick);
    }, 10);
  });
  await login(page, config.viewer);
  // The click on the camera in the grid: click-to-first-frame is measured from here.
  const link = page.locator(`[data-camera="${config.camera}"] a[href="#/camera/${config.camera}"]`);
  await link.waitFor();
  const clicked = Date.now();
  await link.click();
  await page.locator("#player").waitFor();
  const expected = config.block_webrtc ? "Live · HLS" : "Live · WebRTC";
  await page.waitForFunction(m => document.querySelector("#mode")?.textContent.startsWith(m), expected, { timeout: 30000 });
  await page.waitForFunction(() => window.__frames.length > 0, null, { timeout: 30000 });
  result.first_frame_ms = await page.evaluate(() => window.__frames[0]) - clicked;
  result.mode = await page.locator("#mode").innerText();
  result.webrtc = await page.$eval("#player", v => v.srcObject instanceof MediaStream);
  result.hls = await page.$eval("#player", v => !v.srcObject && !!v.currentSrc);
  const before = await page.evaluate(() => ({ t: document.querySelector("#player").currentTime, n: window.__frames.length }));
  await page.waitForTimeout(3000);
  const after = await page.evaluate(() => ({ t: document.querySelector("#player").currentTime, n: window.__frames.length }));
  result.advanced_seconds = after.t - before.t;
  result.frames_in_3s = after.n - before.n;
  result.size = await page.$eval("#player", v => `${v.videoWidth}x${v.videoHeight}`);
  if (config.force_relay) {
    // The pair the media flows on, and the kind of this end's candidate in it.
    result.local_candidate = await page.evaluate(async () => {
      const stats = [...(await window.__pcs[window.__pcs.length - 1].getStats()).values()];
      const pair = stats.find(s => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
      const local = stats.find(s => s.id === pair?.localCandidateId);
      return local ? { type: local.candidateType, relayProtocol: local.relayProtocol ?? null, url: local.url ?? null } : null;
    });
  }
  await shot(page, config.block_webrtc ? "camera-live-hls-fallback" : "camera-live-webrtc");
  if (config.ready_file) {
    writeFileSync(config.ready_file, String(Date.now()));
    const until = Date.now() + (config.watch_seconds ?? 12) * 1000;
    while (Date.now() < until) await page.waitForTimeout(250);
    result.last_frame_at = await page.evaluate(() => window.__frames[window.__frames.length - 1]);
    result.mode_after = await page.locator("#mode").innerText();
    result.error_after = await page.locator(".player .error").innerText().catch(() => "");
  }
});
