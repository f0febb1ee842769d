// A claim that must not go through (a device with another key reports the sticker's serial): the
// owner's page says so at once, with the reason, and how long that took from the click.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result, context) => {
  await login(page, config.visitor);
  await page.goto(`${config.url}/#/claim`);
  await page.getByLabel("Serial").fill(config.rogue_serial);
  await page.getByLabel("PIN").fill(config.rogue_pin);
  const refusal = page.getByText("another key");
  const clicked = Date.now();
  await page.getByRole("button", { name: "Claim" }).click();
  await refusal.waitFor({ timeout: 15000 });
  result.refusal_ms = Date.now() - clicked;
  result.refusal = await refusal.innerText();
  result.still_on_claim = page.url().includes("#/claim");
  await shot(page, "claim-refused");
  // The operator sees the device with the copied serial flagged on the Devices page.
  await context.clearCookies();
  await login(page, config.admin);
  await page.goto(`${config.url}/#/devices/pending`);
  const card = page.locator(`li[data-serial="${config.rogue_serial}"]`);
  await card.getByText("Serial in doubt").waitFor({ timeout: 15000 });
  result.flagged = await card.getByText("Serial in doubt").innerText();
});
