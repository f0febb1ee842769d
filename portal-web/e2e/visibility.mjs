// A user who may not see a camera finds it nowhere: not in the grid, not by its address, not in any page.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.visitor);
  result.tiles = await page.$$eval("[data-camera]", ts => ts.map(t => t.getAttribute("data-camera")));
  await shot(page, "visitor-cameras");
  result.nav = await page.$$eval("nav a", as => as.map(a => a.textContent));
  const texts = {};
  for (const route of ["cameras", `camera/${config.visitor_camera}`, `camera/${config.hidden_camera}`, `camera/${config.live_camera}`, "devices", "import", "infra", "claim"]) {
    await page.goto(`${config.url}/#/${route}`);
    await page.waitForFunction(() => !document.querySelector("main .loading"), null, { timeout: 10000 });
    await page.waitForTimeout(300);
    texts[route] = await page.evaluate(() => document.body.innerText + " " + document.body.innerHTML);
  }
  result.hidden_found_on = Object.entries(texts)
    .filter(([, t]) => t.includes(config.hidden_camera) && !t.includes(`not found`) || t.includes("Back yard") || t.includes("Front door"))
    .map(([route]) => route);
  result.hidden_page = (await page.goto(`${config.url}/#/camera/${config.hidden_camera}`), await page.waitForTimeout(1000), await page.locator("main").innerText());
  result.devices_page = (await page.goto(`${config.url}/#/devices`), await page.waitForTimeout(1000), await page.locator("main").innerText());
});
