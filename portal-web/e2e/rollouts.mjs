// Agent updates: upload a signed release, start a rollout to one device, watch it, pause and
// cancel it; a release signed by another key is refused with the reason; the devices page shows
// the agent's version and RID.
import { config, login, scenario, shot, unlabelled } from "./lib.mjs";

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.getByRole("link", { name: "Agent updates" }).click();
  await page.getByRole("heading", { name: "Agent updates" }).waitFor();

  await page.getByLabel("Signed release file").setInputFiles(config.forged_release);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByText("Upload refused").waitFor({ timeout: 10000 });
  result.forged = await page.getByText("Upload refused").innerText();

  await page.getByLabel("Signed release file").setInputFiles(config.release_file);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.locator(`tr[data-release="${config.release_version}"]`).waitFor({ timeout: 10000 });
  result.release_row = await page.locator(`tr[data-release="${config.release_version}"]`).innerText();

  await page.getByLabel("Target").selectOption("device");
  await page.getByLabel("Group, percentage or device id").fill(config.device_id);
  await page.getByLabel("Waves").fill("1, rest");
  await page.getByRole("button", { name: "Start rollout" }).click();
  const card = page.locator("article.rollout").first();
  await card.waitFor({ timeout: 10000 });
  result.started_state = await card.getAttribute("data-state");
  result.device_row = await card.locator(`tr[data-device="${config.device_id}"]`).innerText();
  result.unlabelled = await unlabelled(page);
  await shot(page, "rollouts");

  await card.getByRole("button", { name: "Pause" }).click();
  await page.locator('article.rollout[data-state="paused"]').waitFor({ timeout: 10000 });
  result.paused = true;
  await page.locator("article.rollout").first().getByRole("button", { name: "Cancel" }).click();
  await page.locator('article.rollout[data-state="cancelled"]').waitFor({ timeout: 10000 });
  result.cancelled_row = await page.locator(`article.rollout tr[data-device="${config.device_id}"]`).innerText();

  await page.goto(`${config.url}/#/devices/approved`);
  const device = page.locator(`[data-device="${config.device_id}"]`);
  await device.waitFor({ timeout: 10000 });
  result.device_version = await device.locator(".agent-version").innerText();
});
