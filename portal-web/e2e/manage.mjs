// Operators make a camera and change who sees it; a device is given to a user, who then finds its camera.
import { config, login, scenario, shot } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.goto(`${config.url}/#/manage`);
  await page.getByText("New camera").click();
  const form = page.locator("details.card form");
  await form.getByLabel("Name").fill("porch");
  await form.getByLabel("Title").fill("Porch");
  await form.getByLabel("Stream address").fill("rtsp://10.0.0.9/main");
  await form.getByLabel("Archive depth in days").fill("3");
  await form.getByRole("button", { name: "Create camera" }).click();
  await page.getByText("Camera porch: saved.").waitFor();
  const card = page.locator('[data-manage="porch"]');
  await card.getByText("Change porch").click();
  await card.getByLabel("Group").selectOption("visitors");
  await card.getByRole("button", { name: "Save" }).click();
  // "saved." is on the page since the camera was made: the change is saved when its card says so.
  await card.locator("p").first().filter({ hasText: "group visitors" }).waitFor();
  result.porch = await page.locator('[data-manage="porch"] p').first().innerText();
  await shot(page, "manage-cameras");

  // The device is approved once the live scenario ran, else still pending: either may be given.
  await page.goto(`${config.url}/#/devices/approved`);
  await page.getByRole("heading", { name: "Devices" }).waitFor();
  if (await page.locator(`[data-serial="${config.serial}"]`).count() === 0) {
    await page.goto(`${config.url}/#/devices/pending`);
  }
  const device = page.locator(`[data-serial="${config.serial}"]`);
  await device.getByLabel("User login").fill(config.visitor.login);
  await device.getByRole("button", { name: "Give to user" }).click();
  await page.getByText(`${config.serial} given to ${config.visitor.login} with camera`).waitFor();
  result.given = await page.locator("main [role=status]").first().innerText();

  await page.getByRole("button", { name: /^Log out/ }).click();
  await login(page, config.visitor);
  result.visitor_tiles = await page.$$eval("[data-camera]", ts => ts.map(t => t.getAttribute("data-camera")));
});
