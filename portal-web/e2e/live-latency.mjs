// Glass-to-glass time of live video, WebRTC and HLS in the same run: two viewers of the same camera,
// one on the camera page as it opens (WebRTC), one with WebRTC's signaling blocked (the page falls
// back to HLS). The camera draws its wall clock into every frame (tests/Vigil.Live.Tests/peers/clockcam.py);
// each page reads it back from each frame it shows (requestVideoFrameCallback, a canvas) and
// subtracts it from its own clock. Runs config.seconds, then prints p50, p95 and the counts.
import { clockReader, config, launch, login } from "./lib.mjs";

/** Glass-to-glass times of the frames read since the last reset: the page's clock less the camera's. */
const latencies = () => window.__clock.map(([shown, stamp]) => shown - stamp).filter(l => l >= 0 && l < 60000);

/** A viewer in a browser of its own (a tab behind another is not rendered, and shows few frames). */
async function viewer(browsers, blockWebRtc) {
  const context = await launch();
  browsers.push(context);
  const page = context.pages()[0] ?? await context.newPage();
  await page.addInitScript(clockReader);
  await login(page, config.viewer);
  if (blockWebRtc) await page.route("**/webrtc**", route => route.abort("blockedbyclient"));
  await page.goto(`${config.url}/#/camera/${config.camera}`);
  const expected = blockWebRtc ? "Live · HLS" : "Live · WebRTC";
  await page.waitForFunction(m => document.querySelector("#mode")?.textContent.startsWith(m), expected, { timeout: 60000 });
  await page.waitForFunction(() => window.__clock.length > 0, null, { timeout: 60000 });
  return page;
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const p = q => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  return { n: sorted.length, p50: p(0.5), p95: p(0.95), max: sorted[sorted.length - 1] };
}

const result = {};
const browsers = [];
try {
  const webrtc = await viewer(browsers, false);
  const hls = await viewer(browsers, true);
  // Both from now on, for the same seconds.
  await webrtc.evaluate(() => { window.__clock = []; });
  await hls.evaluate(() => { window.__clock = []; });
  await webrtc.waitForTimeout(config.seconds * 1000);
  result.webrtc = summary(await webrtc.evaluate(latencies));
  result.hls = summary(await hls.evaluate(latencies));
  result.webrtc_mode = await webrtc.locator("#mode").innerText();
  result.hls_mode = await hls.locator("#mode").innerText();
} catch (e) {
  result.error = `${e?.stack ?? e}`;
} finally {
  for (const b of browsers) await b.close();
}
console.log(`RESULT ${JSON.stringify(result)}`);
