// A viewer opens a camera's page: it plays over WebRTC, says so, and its video advances (with
// config.force_relay only through TURN; config.report_pair reports the candidate pair it plays on). With
// config.block_webrtc the network refuses the streamer's WebRTC signaling and the page must fall back
// to HLS by itself. With config.ready_file the scenario then tells the test it is playing (the test
// revokes something) and records when the last frame came, for up to config.watch_seconds. With
// config.hover_ms the pointer rests on the camera's link that long before the click. With config.read_clock
// (a camera that draws its wall clock, clockcam.py) it reports the camera time of the first frame shown
// and of the last one after 3 s of playing.
import { writeFileSync } from "node:fs";
import { clockReader, config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  // Every PeerConnection of the page, kept for its stats, with when it connected (for the breakdown of
  // click-to-first-frame). With config.force_relay only TURN: every candidate the page may use is a
  // relayed one, as for a viewer whose NAT lets no UDP through otherwise.
  await page.addInitScript(relayOnly => {
    const Native = window.RTCPeerConnection;
    if (!Native) return;
    window.__pcs = [];
    window.__connectedAt = [];
    window.RTCPeerConnection = function (configuration) {
      const pc = new Native(relayOnly ? { ...configuration, iceTransportPolicy: "relay" } : configuration);
      window.__pcs.push(pc);
      pc.addEventListener("connectionstatechange", () => { if (pc.connectionState === "connected") window.__connectedAt.push(Date.now()); });
      return pc;
    };
    window.RTCPeerConnection.prototype = Native.prototype;
  }, !!config.force_relay);
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
  // When the page itself saw the click (Playwright's click first scrolls, waits and moves the pointer:
  // on a loaded machine that takes a few hundred ms, which the figure from before the call includes).
  await page.addInitScript(() => {
    document.addEventListener("click", e => {
      if (window.__clickedAt === undefined && e.target.closest?.('a[href^="#/camera/"]')) window.__clickedAt = Date.now();
    }, true);
  });
  if (config.read_clock) await page.addInitScript(clockReader);
  await login(page, config.viewer);
  // The click on the camera in the grid: click-to-first-frame is measured from here.
  const link = page.locator(`[data-camera="${config.camera}"] a[href="#/camera/${config.camera}"]`);
  await link.waitFor();
  if (config.hover_ms) {
    // A viewer's pointer rests on the link a moment before the click: the page warms the camera's feed.
    await link.hover();
    await page.waitForTimeout(config.hover_ms);
  }
  const clicked = Date.now();
  await link.click();
  await page.locator("#player").waitFor();
  const expected = config.block_webrtc ? "Live · HLS" : "Live · WebRTC";
  await page.waitForFunction(m => document.querySelector("#mode")?.textContent.startsWith(m), expected, { timeout: 30000 });
  await page.waitForFunction(() => window.__frames.length > 0, null, { timeout: 30000 });
  result.first_frame_ms = await page.evaluate(() => window.__frames[0]) - clicked;
  result.first_frame_from_click_event_ms = await page.evaluate(() => window.__frames[0] - window.__clickedAt);
  // Where the time went: each request of the page after the click (ms from the click, and how long it
  // took), and when the PeerConnection connected (ICE and DTLS done).
  result.breakdown = await page.evaluate(t0 => ({
    requests: performance.getEntriesByType("resource")
      .filter(e => performance.timeOrigin + e.startTime >= t0 - 5 && /\/api\/v1\/cameras\/|\/webrtc/.test(e.name))
      .map(e => `${new URL(e.name).pathname.replace(/\/webrtc\/[A-Za-z0-9_-]{12,}/, "/webrtc/SESSION")} at ${Math.round(performance.timeOrigin + e.startTime - t0)} for ${Math.round(e.duration)}`),
    connected: (window.__connectedAt ?? []).length ? window.__connectedAt[0] - t0 : null,
  }), clicked);
  result.mode = await page.locator("#mode").innerText();
  result.webrtc = await page.$eval("#player", v => v.srcObject instanceof MediaStream);
  result.hls = await page.$eval("#player", v => !v.srcObject && !!v.currentSrc);
  // The rate from the second frame on: a new feed's first picture is the keyframe kept from before
  // the click, and the live frames follow from the camera's next keyframe.
  await page.waitForFunction(() => window.__frames.length > 1, null, { timeout: 15000 }).catch(() => undefined);
  const before = await page.evaluate(() => ({ t: document.querySelector("#player").currentTime, n: window.__frames.length }));
  await page.waitForTimeout(3000);
  const after = await page.evaluate(() => ({ t: document.querySelector("#player").currentTime, n: window.__frames.length }));
  result.advanced_seconds = after.t - before.t;
  if (config.read_clock) {
    // [shown, camera time] (both Unix ms) of the first frame read, of the first one the camera made
    // after the click (live: up to a GOP after a picture kept from before), and of the last one 2 s later.
    result.clicked_at = clicked;
    result.first_clock = await page.evaluate(() => window.__clock[0] ?? null);
    await page.waitForFunction(t => window.__clock.some(([, made]) => made >= t), clicked, { timeout: 15000 }).catch(() => undefined);
    result.first_live_clock = await page.evaluate(t => window.__clock.find(([, made]) => made >= t) ?? null, clicked);
    await page.waitForTimeout(2000);
    result.last_clock = await page.evaluate(() => window.__clock[window.__clock.length - 1] ?? null);
  }
  result.frames_in_3s = after.n - before.n;
  result.size = await page.$eval("#player", v => `${v.videoWidth}x${v.videoHeight}`);
  if (config.force_relay || config.report_pair) {
    // The pair the media flows on, the kind of this end's candidate in it, and every host address this end offered.
    result.local_candidate = await page.evaluate(async () => {
      const stats = [...(await window.__pcs[window.__pcs.length - 1].getStats()).values()];
      const pair = stats.find(s => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
      const local = stats.find(s => s.id === pair?.localCandidateId);
      const remote = stats.find(s => s.id === pair?.remoteCandidateId);
      return local ? { type: local.candidateType, relayProtocol: local.relayProtocol ?? null, url: local.url ?? null,
        remote_type: remote?.candidateType ?? null, remote_address: remote?.address ?? null } : null;
    });
    result.host_addresses = await page.evaluate(async () => [...(await window.__pcs[window.__pcs.length - 1].getStats()).values()]
      .filter(s => s.type === "local-candidate" && s.candidateType === "host").map(s => s.address));
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
