// A browser seeking in an exported MP4 past what it has downloaded: Debian's Chromium through
// playwright-core (from portal-web's modules), a <video> that loads only the file's start
// (preload=metadata), then a seek far ahead and playback there. Prints one "RESULT {json}" line:
// what the video did and every media response's status and Content-Range.
const { chromium } = await import(process.env.VIGIL_PLAYWRIGHT);
const { mkdtempSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");

const url = process.env.VIGIL_MP4_URL;
const seekTo = Number(process.env.VIGIL_SEEK_SECONDS);
const result = { responses: [] };
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "vigil-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  page.on("response", r => {
    if (r.url().startsWith(url)) {
      result.responses.push({ status: r.status(), range: r.request().headers()["range"] ?? null, content_range: r.headers()["content-range"] ?? null });
    }
  });
  await page.setContent("<video id=v muted preload=metadata></video>");
  await page.evaluate(u => { document.querySelector("#v").src = u; }, url);
  await page.waitForFunction(() => document.querySelector("#v").readyState >= 1, null, { timeout: 30000 });
  result.duration = await page.$eval("#v", v => v.duration);
  result.buffered_before = await page.$eval("#v", v => v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0);
  await page.evaluate(t => { const v = document.querySelector("#v"); v.currentTime = t; void v.play(); }, seekTo);
  await page.waitForFunction(t => document.querySelector("#v").currentTime > t + 0.5, seekTo, { timeout: 30000 });
  result.first = await page.$eval("#v", v => v.currentTime);
  await page.waitForTimeout(2000);
  result.second = await page.$eval("#v", v => v.currentTime);
  result.error = await page.$eval("#v", v => v.error ? `${v.error.code} ${v.error.message}` : null);
} catch (e) {
  result.error = `${e?.stack ?? e}`;
} finally {
  await context.close();
}
console.log(`RESULT ${JSON.stringify(result)}`);
