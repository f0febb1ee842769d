// An end user claims the camera with its sticker: a wrong PIN is refused in words, the right one opens the camera.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.visitor);
  await page.goto(`${config.url}/#/claim`);
  await page.getByLabel("Serial").fill(config.serial);
  await page.getByLabel("PIN").fill("000000");
  await page.getByRole("button", { name: "Claim" }).click();
  await page.getByText("The serial and PIN do not match.").waitFor();
  result.wrong_pin = true;
  await shot(page, "claim");
  await page.getByLabel("PIN").fill(config.pin);
  await page.getByRole("button", { name: "Claim" }).click();
  await page.waitForFunction(() => location.hash.startsWith("#/camera/"), null, { timeout: 15000 });
  await page.locator("#player").waitFor();
  result.camera = decodeURIComponent(await page.evaluate(() => location.hash.slice("#/camera/".length)));
  result.heading = await page.locator("h1").innerText();
});
