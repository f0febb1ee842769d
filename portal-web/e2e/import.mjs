// A camera CSV with bad lines: the good ones are written, each bad one is shown with its line.
// Then a vigil-scan result: the device with an RTSP address becomes a camera, the other is listed.
import { config, login, scenario, shot } from "./lib.mjs";

const csv = [
  "name,title,stream_url,dvr_depth,access",
  "imp-1,Imported one,rtsp://10.0.0.5/1,3,private",
  "imp-2,Bad address,ftp://nowhere/1,1,private",
  "imp-3,Bad depth,rtsp://10.0.0.6/1,lots,private",
  "imp-4,Imported four,rtsp://10.0.0.7/1,0,authorized",
].join("\n");

const device = (address, serial, streams, error) => ({
  address, addresses: [address], interface: "br0", manufacturer: "Dahua", model: "IPC-HFW2228M", serial, firmware: "2.800", hardware_id: null,
  name: null, mac: null, protocols: ["ws-discovery", "onvif"],
  onvif: { address: `http://${address}/onvif/device_service`, xaddrs: [], endpoints: [], scopes: [], profiles: ["Streaming"], error },
  streams, services: [], http_port: 80, first_seen_ms: 10,
});
const scan = JSON.stringify({
  format: "vigil-scan/1", started_at: "2026-11-21T10:56:43+00:00", duration_ms: 3000, interfaces: ["br0"], ranges: [],
  datagrams_ignored: 0, datagrams_dropped: 0,
  devices: [
    device("10.77.1.10", "SCANOK1", [{ profile: "MediaProfile000", name: "Main", encoding: "H264", width: 1920, height: 1080, rtsp: "rtsp://10.77.1.10:554/main", snapshot: null, error: null }], null),
    device("10.77.1.13", "SCANNO2", [], "not authorized (give --user and --password)"),
  ],
});

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
  await page.getByLabel("What to import").selectOption("scan");
  await page.getByLabel("Text").fill(scan);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByText("1 created, 0 already there, 1 with errors.").waitFor({ timeout: 15000 });
  result.scan_rows = await page.$$eval("table.errors tbody tr", rows => rows.map(r => [...r.cells].map(c => c.textContent)));

  await page.goto(`${config.url}/#/cameras`);
  await page.locator("[data-camera]").first().waitFor();
  result.tiles = await page.$$eval("[data-camera]", ts => ts.map(t => t.getAttribute("data-camera")));
});
