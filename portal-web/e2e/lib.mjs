// What every browser scenario shares: Debian's Chromium through playwright-core, the stack's
// config, logging in, screenshots, and the page checks (labels, phone width).
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const config = JSON.parse(process.env.VIGIL_WEB_CONFIG ?? "{}");

/** Chromium as the machine allows it: headless, as root without the sandbox, no calls home, a fresh profile. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
}

/** Runs a scenario and prints what it saw as one RESULT line; an exception is reported in it too. */
export async function scenario(body) {
  const result = {};
  const context = await launch();
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on("console", m => { if (m.type() === "error") console.log(`console error: ${m.text()}`); });
    page.on("pageerror", e => { console.log(`page error: ${e.message}`); (result.page_errors ??= []).push(e.message); });
    await body(page, result, context);
  } catch (e) {
    result.error = `${e?.stack ?? e}`;
  } finally {
    await context.close();
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
}

export async function login(page, who) {
  await page.goto(`${config.url}/#/login`);
  await page.getByLabel("Login", { exact: true }).fill(who.login);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Cameras" }).waitFor();
}

export async function shot(page, name) {
  await page.screenshot({ path: join(config.screenshots, `${name}.png`), fullPage: true });
}

/** Form controls on the page without an accessible name (their id or their tag). */
export async function unlabelled(page) {
  return page.evaluate(async () => {
    const controls = [...document.querySelectorAll("input, select, textarea, button, video")];
    return controls.filter(c => {
      const labelled = (c.labels && c.labels.length > 0) || c.getAttribute("aria-label") || c.getAttribute("aria-labelledby") ||
        (c.tagName === "BUTTON" && c.textContent.trim().length > 0);
      return !labelled;
    }).map(c => c.id || c.outerHTML.slice(0, 80));
  });
}

/** How far the page scrolls sideways (0 when it fits its viewport). */
export async function overflowX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Samples the video's currentTime twice, some seconds apart. */
export async function playing(page, selector, seconds = 3) {
  const first = await page.$eval(selector, v => v.currentTime);
  await page.waitForTimeout(seconds * 1000);
  const second = await page.$eval(selector, v => v.currentTime);
  return { first, second };
}

/** Text on the page whose contrast with its background is below WCAG AA (4.5:1): "text (ratio)". */
export async function lowContrast(page) {
  return page.evaluate(() => {
    const parse = c => { const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0]; return { rgb: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; };
    const lum = ([r, g, b]) => [r, g, b].map(v => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
      .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
    const background = el => {
      for (let e = el; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg.a > 0.5) return bg.rgb;
      }
      return [255, 255, 255];
    };
    const low = [];
    for (const el of document.querySelectorAll("body *")) {
      const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()).map(n => n.textContent.trim()).join(" ");
      if (!own || el.closest("[hidden]") || el.getClientRects().length === 0) continue;
      const fg = lum(parse(getComputedStyle(el).color).rgb);
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) low.push(`${own.slice(0, 40)} (${ratio.toFixed(2)})`);
    }
    return low;
  });
}

/**
 * For addInitScript: reads back, from every frame the camera page's player shows, the wall clock
 * that tests/Vigil.Live.Tests/peers/clockcam.py draws into it (42 blocks, least significant bit first),
 * into window.__clock as [shown, stamp] pairs (both Unix ms), at most the last 20,000.
 */
export function clockReader() {
  window.__clock = [];
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let hooked = null;
  setInterval(() => {
    const v = document.querySelector("#player");
    if (!v || v === hooked) return;
    hooked = v;
    const tick = () => {
      const shown = Date.now();
      if (v.videoWidth === 640) {
        ctx.drawImage(v, 0, 0, 640, 360);
        const px = ctx.getImageData(0, 0, 640, 60).data;
        let stamp = 0;
        for (let i = 0; i < 42; i++) {
          const x = (i % 21) * 30 + 15, y = Math.floor(i / 21) * 30 + 15;
          if (px[(y * 640 + x) * 4] > 128) stamp += 2 ** i;
        }
        window.__clock.push([shown, stamp]);
        if (window.__clock.length > 20000) window.__clock.splice(0, 10000);
      }
      v.requestVideoFrameCallback(tick);
    };
    v.requestVideoFrameCallback(tick);
  }, 10);
}
