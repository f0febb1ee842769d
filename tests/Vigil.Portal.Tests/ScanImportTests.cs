using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Onvif.Scanning;
using Vigil.Scan;

namespace Vigil.Portal.Tests;

/// <summary>
/// POST /api/v1/cameras/import-scan on documents written by vigil-scan's own report types: a
/// camera per device with an RTSP address, the main profile by resolution, skips on a second
/// import, the reasons for what was not imported, and refusals of what is not a scan.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class ScanImportTests(string database) : PortalSuite(database)
{
    /// <summary>The JSON vigil-scan --json prints for these devices.</summary>
    private static string ScanJson(params DiscoveredDevice[] devices) =>
        JsonSerializer.Serialize(ScanReport.From(new ScanResult(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(3), ["br0"], [], devices, 0, 0)),
            ScanReportJson.Default.ScanReport);

    private static DiscoveredDevice Camera(string address, string? manufacturer, string? model, string? serial, params StreamProfile[] streams) => new()
    {
        Address = IPAddress.Parse(address),
        Addresses = [IPAddress.Parse(address)],
        Interface = "br0",
        Manufacturer = manufacturer,
        Model = model,
        Serial = serial,
        Mac = "3c:ef:8c:00:00:01",
        Protocols = ScanProtocols.WsDiscovery | ScanProtocols.Onvif,
        Endpoints = ["urn:uuid:" + Guid.NewGuid()],
        XAddrs = [new Uri($"http://{address}/onvif/device_service")],
        OnvifAddress = new Uri($"http://{address}/onvif/device_service"),
        Streams = streams,
    };

    private static StreamProfile Stream(string address, string token, int width, int height, string? credentials = null) =>
        new(token, token + "-name", "H264", width, height, $"rtsp://{credentials}{address}:554/stream/{token}", $"http://{address}/snapshot/{token}.jpg", null);

    /// <summary>A fresh /24 per test, so the suites' imports never meet.</summary>
    private static string Net() => $"10.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(1, 250)}";

    private Task<PortalClient.Answer> ImportAsync(string json, string query = "") =>
        Admin.PostRawAsync("/api/v1/cameras/import-scan" + query, json, "application/json");

    private async Task<JsonNode> CameraAsync(string name)
    {
        var answer = await Admin.GetAsync($"/api/v1/cameras/{name}");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), $"{name}: {answer.Text}");
        return answer.Json!;
    }

    [Test]
    public async Task EveryDeviceWithAnRtspAddressBecomesACameraOnceAndTheRestSayWhy()
    {
        var net = Net();
        var serial = Fixtures.Unique("4L0A2B3PAJ").ToUpperInvariant();
        var dahua = Camera($"{net}.10", "Dahua", "IPC-HFW2228M-I1-V2", serial, Stream($"{net}.10", "MediaProfile000", 1920, 1080), Stream($"{net}.10", "MediaProfile001", 640, 480));
        // The main stream is the highest resolution, wherever it is listed; the credentials the
        // installer gave the scan stay in the address, as given.
        var hik = Camera($"{net}.11", "HIKVISION", "DS-2CD2143G0-I", Fixtures.Unique("DS2CD"),
            Stream($"{net}.11", "sub", 640, 360, "admin:cam-secret-9@"), Stream($"{net}.11", "main", 2560, 1440, "admin:cam-secret-9@"));
        var axis = Camera($"{net}.12", "AXIS", "M3045-V", null, Stream($"{net}.12", "profile_1_h264", 1920, 1080));
        var refused = Camera($"{net}.13", "Uniview", "IPC322", "UNV1") with { OnvifError = "not authorized (give --user and --password)" };
        var sadpOnly = new DiscoveredDevice { Address = IPAddress.Parse($"{net}.14"), Addresses = [IPAddress.Parse($"{net}.14")], Manufacturer = "Hikvision", Protocols = ScanProtocols.Sadp };
        var json = ScanJson(dahua, hik, axis, refused, sadpOnly);
        Assert.That(json, Does.Contain("\"format\": \"vigil-scan/1\""), "what vigil-scan --json writes");

        var first = await ImportAsync(json, "?access=authorized");
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Text);
        Assert.That(first.Json!["created"]!.GetValue<int>(), Is.EqualTo(3), first.Text);
        Assert.That(first.Json!["skipped"]!.GetValue<int>(), Is.EqualTo(0));
        var errors = first.Json!["errors"]!.AsArray();
        Assert.That(errors.Select(e => e!["device"]!.GetValue<string>()), Is.EqualTo(new[] { $"{net}.13", $"{net}.14" }));
        Assert.That(errors[0]!["error"]!.GetValue<string>(), Does.Contain("not authorized"));
        Assert.That(errors[1]!["error"]!.GetValue<string>(), Does.Contain("no ONVIF service answered"));

        var d = await CameraAsync($"dahua-{serial.ToLowerInvariant()}");
        Assert.That(d["stream_url"]!.GetValue<string>(), Is.EqualTo($"rtsp://{net}.10:554/stream/MediaProfile000"));
        Assert.That(d["substream_url"]!.GetValue<string>(), Is.EqualTo($"rtsp://{net}.10:554/stream/MediaProfile001"));
        Assert.That(d["title"]!.GetValue<string>(), Is.EqualTo("Dahua IPC-HFW2228M-I1-V2"));
        Assert.That(d["comment"]!.GetValue<string>(), Does.Contain($"ONVIF http://{net}.10/onvif/device_service").And.Contain(serial));
        Assert.That(d["access"]!.GetValue<string>(), Is.EqualTo("authorized"));

        var h = await CameraAsync($"hikvision-{hik.Serial!.ToLowerInvariant()}");
        Assert.That(h["stream_url"]!.GetValue<string>(), Is.EqualTo($"rtsp://admin:cam-secret-9@{net}.11:554/stream/main"));
        Assert.That(h["substream_url"]!.GetValue<string>(), Is.EqualTo($"rtsp://admin:cam-secret-9@{net}.11:554/stream/sub"));
        var a = await CameraAsync($"axis-{net.Replace('.', '-')}-12");
        Assert.That(a["stream_url"]!.GetValue<string>(), Is.EqualTo($"rtsp://{net}.12:554/stream/profile_1_h264"));
        Assert.That(a["substream_url"]!.GetValue<string>(), Is.Empty, "one profile, no substream");

        // Again, and with the Dahua's serial read differently: its stream address says it is known.
        var again = await ImportAsync(ScanJson(dahua with { Serial = "OTHER-" + serial }, hik, axis, refused, sadpOnly));
        Assert.That(again.Status, Is.EqualTo(HttpStatusCode.OK), again.Text);
        Assert.That((again.Json!["created"]!.GetValue<int>(), again.Json!["skipped"]!.GetValue<int>(), again.Json!["errors"]!.AsArray().Count), Is.EqualTo((0, 3, 2)));
        Assert.That((await Admin.GetAsync($"/api/v1/cameras/dahua-other-{serial.ToLowerInvariant()}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Portal.Log.Text, Does.Contain("scan import: 3 created, 0 skipped, 2 errors"));
        Assert.That(Portal.Log.Text, Does.Not.Contain("cam-secret-9"), "camera credentials are never logged");
    }

    [Test]
    public async Task TheProfileAndGroupOptionsChooseTheStreamAndWhoSeesIt()
    {
        var net = Net();
        var group = Fixtures.Unique("site");
        Assert.That((await Admin.PostJsonAsync("/api/v1/groups", new { name = group })).Status, Is.EqualTo(HttpStatusCode.Created));
        var one = Camera($"{net}.20", "Hikvision", "DS-2CD2T47", Fixtures.Unique("A"), Stream($"{net}.20", "sub", 640, 360), Stream($"{net}.20", "main", 2560, 1440));
        var first = await ImportAsync(ScanJson(one), $"?profile=first&group={group}");
        Assert.That(first.Json!["created"]!.GetValue<int>(), Is.EqualTo(1), first.Text);
        var camera = await CameraAsync($"hikvision-{one.Serial!.ToLowerInvariant()}");
        Assert.That(camera["stream_url"]!.GetValue<string>(), Does.EndWith("/stream/sub"), "profile=first takes the first listed");
        Assert.That(camera["substream_url"]!.GetValue<string>(), Does.EndWith("/stream/main"));
        Assert.That(camera["group"]!.GetValue<string>(), Is.EqualTo(group));
        Assert.That(camera["access"]!.GetValue<string>(), Is.EqualTo("private"), "private unless asked");

        var two = Camera($"{net}.21", "Hikvision", "DS-2CD2T47", Fixtures.Unique("B"), Stream($"{net}.21", "sub", 640, 360), Stream($"{net}.21", "third", 1280, 720));
        var three = Camera($"{net}.22", "Hikvision", "DS-2CD2T47", Fixtures.Unique("C"), Stream($"{net}.22", "sub", 640, 360));
        var named = await ImportAsync(ScanJson(two, three), "?profile=third");
        Assert.That(named.Json!["created"]!.GetValue<int>(), Is.EqualTo(1), named.Text);
        Assert.That((await CameraAsync($"hikvision-{two.Serial!.ToLowerInvariant()}"))["stream_url"]!.GetValue<string>(), Does.EndWith("/stream/third"));
        Assert.That(named.Json!["errors"]![0]!["error"]!.GetValue<string>(), Is.EqualTo("no profile 'third' with an RTSP address (it has sub)"));

        var noGroup = await ImportAsync(ScanJson(three), "?group=no-such-group");
        Assert.That((noGroup.Status, noGroup.Error), Is.EqualTo((HttpStatusCode.BadRequest, "no group 'no-such-group'")));
        var badAccess = await ImportAsync(ScanJson(three), "?access=everyone");
        Assert.That((badAccess.Status, badAccess.Error), Is.EqualTo((HttpStatusCode.BadRequest, "access must be private, authorized or public")));
    }

    [Test]
    public async Task TwoDevicesOfOneScanNeverShareAName()
    {
        var net = Net();
        var serial = Fixtures.Unique("DUP");
        // Firmware that reports one factory serial on every unit.
        var a = Camera($"{net}.30", "Acme Cams!", "X1", serial, Stream($"{net}.30", "p", 1280, 720));
        var b = Camera($"{net}.31", "Acme Cams!", "X1", serial, Stream($"{net}.31", "p", 1280, 720));
        var answer = await ImportAsync(ScanJson(a, b));
        Assert.That(answer.Json!["created"]!.GetValue<int>(), Is.EqualTo(2), answer.Text);
        var name = $"acme-cams-{serial.ToLowerInvariant()}";
        Assert.That((await CameraAsync(name))["stream_url"]!.GetValue<string>(), Does.Contain($"{net}.30"));
        Assert.That((await CameraAsync(name + "-2"))["stream_url"]!.GetValue<string>(), Does.Contain($"{net}.31"));
    }

    [TestCase("{\"format\": \"vigil-scan/1\", \"devices\": [", "the body is not vigil-scan JSON (the output of vigil-scan --json)")]
    [TestCase("[1, 2, 3]", "the body is not vigil-scan JSON (the output of vigil-scan --json)")]
    [TestCase("{\"users\": [{\"login\": \"x\"}]}", "the body is not vigil-scan JSON: it has no \"format\"")]
    [TestCase("{\"format\": \"vigil-scan/2\", \"devices\": []}", "format \"vigil-scan/2\" is not one this portal reads; it reads vigil-scan/1")]
    [TestCase("{\"format\": \"vigil-scan/1\"}", "the scan has no \"devices\" list")]
    [TestCase("{\"format\": \"vigil-scan/1\", \"devices\": \"none\"}", "the body is not vigil-scan JSON")]
    public async Task WhatIsNotAScanIsRefusedAndSaysWhy(string body, string error)
    {
        var answer = await ImportAsync(body);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.Text);
        Assert.That(answer.Error, Does.StartWith(error));
    }

    [Test]
    public async Task TheBodyIsCappedAtEightMebibytesAndMustBeJson()
    {
        var huge = "{\"format\": \"vigil-scan/1\", \"devices\": [], \"pad\": \"" + new string('x', 8 * 1024 * 1024) + "\"}";
        var tooLarge = await ImportAsync(huge);
        Assert.That((tooLarge.Status, tooLarge.Error), Is.EqualTo((HttpStatusCode.RequestEntityTooLarge, "request body too large (at most 8388608 bytes)")));
        // Near the cap is fine: a scan of many devices is megabytes.
        var big = "{\"format\": \"vigil-scan/1\", \"devices\": [], \"pad\": \"" + new string('x', 7 * 1024 * 1024) + "\"}";
        Assert.That((await ImportAsync(big)).Status, Is.EqualTo(HttpStatusCode.OK));
        var csv = await Admin.PostRawAsync("/api/v1/cameras/import-scan", "name,stream_url\n", "text/csv");
        Assert.That(csv.Status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task OnlyOperatorsAndAdminsImportScans()
    {
        var net = Net();
        var json = ScanJson(Camera($"{net}.40", "Dahua", "IPC", Fixtures.Unique("U"), Stream($"{net}.40", "p", 1920, 1080)));
        var (user, _) = await Portal.UserAsync(Admin, Fixtures.Unique("viewer"));
        var refused = await user.PostRawAsync("/api/v1/cameras/import-scan", json, "application/json");
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Forbidden), refused.Text);
        using var nobody = Portal.Anonymous();
        Assert.That((await nobody.PostRawAsync("/api/v1/cameras/import-scan", json, "application/json")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await Admin.GetAsync("/api/v1/cameras?limit=1000")).Text, Does.Not.Contain($"{net}.40"), "a refused import makes nothing");

        var (op, _) = await Portal.UserAsync(Admin, Fixtures.Unique("op"), "operator");
        var done = await op.PostRawAsync("/api/v1/cameras/import-scan", json, "application/json");
        Assert.That((done.Status, done.Json!["created"]!.GetValue<int>()), Is.EqualTo((HttpStatusCode.OK, 1)), done.Text);
    }
}
