// Lists past 1,000: with 1,200 cameras the grid and the managing page show the first page, say more
// are there, and "Load more" brings the rest, a camera past the first 1,000 included; a search finds
// one past them at once. At phone width the same pages do not scroll sideways.
import { join } from "node:path";
import { config, login, overflowX, scenario, unlabelled } from "./lib.mjs";

const loadAll = async (page, noun) => {
  const more = page.getByRole("button", { name: `Load more ${noun}` });
  let clicks = 0;
  while (await more.isVisible() && clicks < 20) {
    await more.click();
    clicks++;
    await page.waitForFunction(() => !document.querySelector("button.more")?.disabled);
  }
  return clicks;
};

await scenario(async (page, result) => {
  await login(page, config.admin);
  result.grid_first = { tiles: await page.locator("[data-camera]").count(), count: await page.locator(".page-count").innerText() };
  result.grid_clicks = await loadAll(page, "cameras");
  result.grid_all = { tiles: await page.locator("[data-camera]").count(), count: await page.locator(".page-count").innerText(),
    far: await page.locator(`[data-camera="${config.far_camera}"]`).count() };

  await page.getByLabel("Search cameras").fill(config.far_camera);
  await page.getByRole("button", { name: "Search" }).click();
  // The count line says "all shown" already (the whole list): wait for the list to change instead.
  await page.waitForFunction(() => document.querySelectorAll("[data-camera]").length < 100, null, { timeout: 10000 });
  result.grid_search = await page.locator("[data-camera]").evaluateAll(tiles => tiles.map(t => t.dataset.camera));

  await page.goto(`${config.url}/#/manage`);
  await page.getByRole("heading", { name: "Manage cameras" }).waitFor();
  result.manage_first = { cards: await page.locator("[data-manage]").count(), count: await page.locator(".page-count").innerText() };
  result.manage_clicks = await loadAll(page, "cameras");
  const far = page.locator(`[data-manage="${config.far_camera}"]`);
  await far.scrollIntoViewIfNeeded();
  result.manage_all = { cards: await page.locator("[data-manage]").count(), far_visible: await far.isVisible(), count: await page.locator(".page-count").innerText() };

  await page.setViewportSize({ width: 390, height: 844 });
  result.phone = {};
  for (const route of ["cameras", "manage"]) {
    await page.goto(`${config.url}/#/${route}`);
    await page.locator(".page-count").waitFor();
    await loadAll(page, "cameras");
    result.phone[route] = { overflow: await overflowX(page), unlabelled: await unlabelled(page) };
  }
  // The viewport only: a whole page of 1,200 cards is too tall to picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(config.screenshots, "phone-manage-paged.png") });
});
