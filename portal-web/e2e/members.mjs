// A group's "add member" field in a portal with more users than the users page shows: typing part of
// a login or an e-mail offers users found by the portal's search, one on no page shown included, and
// adding them makes them a member; an unknown login is said plainly. At phone width the page does
// not scroll sideways.
import { join } from "node:path";
import { config, login, overflowX, scenario, unlabelled } from "./lib.mjs";

const offered = async (page, card, typed) => {
  await card.getByLabel("User", { exact: true }).fill(typed);
  await page.waitForFunction(() => document.querySelectorAll("#member-logins option").length > 0, null, { timeout: 10000 }).catch(() => undefined);
  // The list answers the words typed last: wait until it holds only matches of them.
  await page.waitForTimeout(300);
  return page.locator("#member-logins option").evaluateAll(options => options.map(o => o.value));
};

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.goto(`${config.url}/#/people`);
  await page.getByRole("heading", { name: "Users and groups" }).waitFor();
  result.users_rows = await page.locator("table tbody tr").count();
  result.far_row_shown = await page.getByRole("cell", { name: config.far_user, exact: true }).count() > 0;

  const card = page.locator(".card", { has: page.getByRole("heading", { name: new RegExp(config.group) }) });
  result.offered = await offered(page, card, config.far_user.slice(-4));
  const email = `m${config.far_user.slice(-4)}@far`;
  result.offered_by_email = await offered(page, card, email);

  await card.getByLabel("User", { exact: true }).fill(config.far_user);
  await card.getByLabel("archive").check();
  await card.getByRole("button", { name: `Add to ${config.group}` }).click();
  result.member_listed = await page.getByRole("button", { name: `Remove ${config.far_user}` }).waitFor({ timeout: 10000 }).then(() => true, () => false);

  const again = page.locator(".card", { has: page.getByRole("heading", { name: new RegExp(config.group) }) });
  await again.getByLabel("User", { exact: true }).fill("nobody-here");
  await again.getByRole("button", { name: `Add to ${config.group}` }).click();
  await page.waitForFunction(() => document.querySelector(".status")?.textContent?.includes("failed"), null, { timeout: 10000 }).catch(() => undefined);
  result.unknown_said = await page.locator(".status").first().innerText();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${config.url}/#/people`);
  await page.getByRole("heading", { name: "Users and groups" }).waitFor();
  result.phone = { overflow: await overflowX(page), unlabelled: await unlabelled(page) };
  await page.screenshot({ path: join(config.screenshots, "phone-people.png") });
});
