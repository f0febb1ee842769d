// A camera CSV with bad lines: the good ones are written, each bad one is shown with its line.
import { config, login, scenario, shot } from "./lib.mjs";

const csv = [
  "name,title,stream_url,dvr_depth,access",
  "imp-1,Imported one,rtsp://10.0.0.5/1,3,private",
  "imp-2,Bad address,ftp://nowhere/1,1,private",
  "imp-3,Bad depth,rtsp://10.0.0.6/1,lots,private",
  "imp-4,Imported four,rtsp://10.0.0.7/1,0,authorized",
].join("\n");

await scenario(async (page, result) => {
  await login(page, config.admin);
  await page.goto(`${config.url}/#/import`);
  await page.getByLabel("What to import").selectOption("cameras");
  await page.getByLabel("Text").fill(csv);
  await page.getByRole("button", { name: "Import" }).click();
  await page.locator("table.errors").waitFor({ timeout: 15000 });
  result.rows = await page.$$eval("table.errors tbody tr", rows => rows.map(r => [...r.cells].map(c => c.textContent)));
  result.note = await page.locator("form [role=status]").innerText();
  await shot(page, "import-errors");
  await page.goto(`${config.url}/#/cameras`);
  await page.locator("[data-camera]").first().waitFor();
  result.tiles = await page.$$eval("[data-camera]", ts => ts.map(t => t.getAttribute("data-camera")));
});
