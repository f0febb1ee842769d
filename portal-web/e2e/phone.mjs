// Phone width (390 px): no page scrolls sideways; on every page every control has an accessible name
// and all text keeps 4.5:1 contrast with its background.
import { config, login, lowContrast, overflowX, scenario, shot, unlabelled } from "./lib.mjs";

await scenario(async (page, result) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, config.admin);
  result.pages = {};
  for (const route of ["cameras", `camera/${config.live_camera}`, "devices/approved", "import", "people", "infra", "branding", "claim", "rollouts"]) {
    await page.goto(`${config.url}/#/${route}`);
    await page.waitForFunction(() => !document.querySelector("main .loading"), null, { timeout: 10000 });
    await page.waitForTimeout(500);
    result.pages[route] = { overflow: await overflowX(page), unlabelled: await unlabelled(page), low_contrast: await lowContrast(page), heading: await page.locator("h1").first().innerText() };
    if (route === "cameras" || route.startsWith("camera/") || route.startsWith("devices")) {
      await shot(page, `phone-${route.split("/")[0]}`);
    }
  }
});
