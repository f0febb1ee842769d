// A device whose agent refused its assignment: the devices page says why, on that device's card.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.goto(`${config.url}/#/devices`);
  const card = page.locator(`[data-serial="${config.refused_serial}"]`);
  await card.waitFor({ timeout: 10000 });
  result.card_text = await card.innerText();
  result.media_error = await card.locator(".media-error").innerText();
  result.media_error_role = await card.locator(".media-error").getAttribute("role");
  await shot(page, "device-media-refused");
});
