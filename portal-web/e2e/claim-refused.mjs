// A claim that must not go through (a device with another key reports the sticker's serial): the
// owner's page says so at once, with the reason, and how long that took from the click.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
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
});
