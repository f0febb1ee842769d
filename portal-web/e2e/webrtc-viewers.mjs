// Many WebRTC viewers of one camera in one Chromium page, for the node's cost per viewer: the page
// opens PeerConnections to the node's signaling (config.webrtc, with its token) until it has each
// count of config.counts, each receiving video (no <video> element: nothing is drawn, the browser's
// side is kept small), and says so by writing config.dir/viewers-N; it then waits for the test to
// write config.dir/next-N (the test measures the node meanwhile) before the next count. Each
// session is kept alive as the web portal keeps its own (POST every 3 s).
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config, scenario } from "./lib.mjs";

await scenario(async (page, result) => {
  // The node's own origin: the signaling is then same-origin.
  await page.goto(new URL("/healthz", config.webrtc).href);
  await page.evaluate(() => {
    window.__viewers = [];
    window.__open = async (url) => {
      const opened = await fetch(url, { method: "POST" });
      if (!opened.ok) throw new Error(`open: ${opened.status} ${await opened.text()}`);
      const { location, sdp } = await opened.json();
      const session = new URL(location, url);
      session.searchParams.set("token", new URL(url).searchParams.get("token"));
      const pc = new RTCPeerConnection();
      pc.addTransceiver("video", { direction: "recvonly" });
      await pc.setRemoteDescription({ type: "offer", sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      // Host candidates only (no ICE server): gathering ends at once and the answer carries them.
      await new Promise(resolve => {
        if (pc.iceGatheringState === "complete") resolve();
        pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
        setTimeout(resolve, 2000);
      });
      const answered = await fetch(session, { method: "PATCH", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
      if (!answered.ok) throw new Error(`answer: ${answered.status}`);
      const alive = setInterval(() => void fetch(session, { method: "POST" }).catch(() => undefined), 3000);
      window.__viewers.push({ pc, alive });
    };
    // Per viewer: frames and bytes received so far.
    window.__received = async () => Promise.all(window.__viewers.map(async v => {
      const inbound = [...(await v.pc.getStats()).values()].find(s => s.type === "inbound-rtp" && s.kind === "video");
      return { frames: inbound?.framesReceived ?? 0, bytes: inbound?.bytesReceived ?? 0 };
    }));
  });
  result.stages = [];
  for (const count of config.counts) {
    while (await page.evaluate(() => window.__viewers.length) < count) {
      await page.evaluate(url => window.__open(url), config.webrtc);
    }
    // Every viewer receives: its frame count grows over two seconds.
    const deadline = Date.now() + 60000;
    let before = await page.evaluate(() => window.__received());
    for (;;) {
      await page.waitForTimeout(2000);
      const now = await page.evaluate(() => window.__received());
      const receiving = now.filter((r, i) => r.frames > (before[i]?.frames ?? 0)).length;
      before = now;
      if (receiving === count) break;
      if (Date.now() > deadline) throw new Error(`${count} viewers open, only ${receiving} receive video`);
    }
    const start = { at: Date.now(), received: before };
    writeFileSync(join(config.dir, `viewers-${count}`), String(count));
    while (!existsSync(join(config.dir, `next-${count}`))) await page.waitForTimeout(200);
    const end = await page.evaluate(() => window.__received());
    const seconds = (Date.now() - start.at) / 1000;
    const kbit = end.map((r, i) => (r.bytes - start.received[i].bytes) * 8 / 1000 / seconds);
    const fps = end.map((r, i) => (r.frames - start.received[i].frames) / seconds);
    result.stages.push({
      viewers: count,
      min_fps: Math.round(Math.min(...fps) * 10) / 10,
      mean_kbit_per_viewer: Math.round(kbit.reduce((a, b) => a + b, 0) / kbit.length),
    });
  }
});
