// Logging in with the keyboard only, the branding applied, every login control labelled.
import { config, scenario, shot, unlabelled } from "./lib.mjs";

await scenario(async (page, result) => {
  await page.goto(`${config.url}/`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  result.login_unlabelled = await unlabelled(page);
  await shot(page, "login");
  result.focused_first = await page.evaluate(() => document.activeElement?.getAttribute("name"));
  await page.keyboard.type(config.admin.login);
  await page.keyboard.press("Tab");
  result.focused_second = await page.evaluate(() => document.activeElement?.getAttribute("name"));
  await page.keyboard.type(config.admin.password);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Cameras" }).waitFor({ timeout: 15000 });
  result.logged_in = true;
  result.header_color = await page.$eval("header .bar", e => getComputedStyle(e).backgroundColor);
  result.brand = await page.$eval("header .brand", e => e.textContent.trim());
  result.tiles = await page.$$eval("[data-camera]", ts => ts.map(t => t.getAttribute("data-camera")));
  // The keyboard reaches the navigation: tab until the Devices link holds the focus.
  let reached = false;
  for (let i = 0; i < 20 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent === "Devices");
  }
  result.nav_by_keyboard = reached;
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Devices" }).waitFor();
  result.devices_by_keyboard = true;
  await page.goto(`${config.url}/#/cameras`);
  await page.getByRole("heading", { name: "Cameras" }).waitFor();
  await shot(page, "cameras-before-approval");
});
