using System.Net;
using System.Text.Json.Nodes;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Portal.Tests;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Web.Tests;

/// <summary>
/// The web portal in a real Chromium against a running portal and the real media path: logging in,
/// approving a device and watching its live video, the archive, what a user may not see, a CSV import
/// with bad lines, phone width and labels. Screenshots go to artifacts/screenshots.
/// </summary>
[TestFixture]
public sealed class WebPortalTests
{
    private WebStack _stack = null!;

    [OneTimeSetUp]
    public async Task Start() => _stack = await WebStack.StartAsync();

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Test, Order(1)]
    public async Task TheServedAppCarriesItsSecurityHeadersAndLeavesTheApiAlone()
    {
        using var anonymous = _stack.Portal.Anonymous();
        var index = await anonymous.GetAsync("/");
        Assert.That(index.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(index.Text, Does.Contain("<main id=\"main\""));
        var csp = index.Response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.That(csp, Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'"));
        Assert.That(csp, Does.Contain("media-src 'self' blob: http://127.0.0.1:"), "the streamer's origin may serve video");
        Assert.That(csp, Does.Contain("img-src 'self' data: https: http://127.0.0.1:"), "and the pictures of the archive's timeline");
        Assert.That(index.Response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
        Assert.That(index.Response.Headers.CacheControl!.NoCache, Is.True);

        var route = await anonymous.GetAsync("/some/client/route");
        Assert.That(route.Status, Is.EqualTo(HttpStatusCode.OK), "a client route falls back to index.html");
        Assert.That(route.Text, Is.EqualTo(index.Text));
        var asset = System.Text.RegularExpressions.Regex.Match(index.Text, "/assets/[^\"]+\\.js").Value;
        var script = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, asset));
        Assert.That(script.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Response.Headers.CacheControl!.ToString(), Does.Contain("immutable"));
        Assert.That((await anonymous.GetAsync("/assets/gone-1234.js")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var api = await anonymous.GetAsync("/api/v1/no-such-route");
        Assert.That(api.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(api.Text, Does.Not.Contain("<html"));
        Assert.That((await anonymous.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.GetAsync("/healthz")).Text, Is.EqualTo("ok\n"));
    }

    [Test, Order(2)]
    public async Task LogInWithTheKeyboardOnlyUnderTheOperatorsBranding()
    {
        var r = await Browser.RunAsync(_stack, "login-keyboard");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(Strings(r["login_unlabelled"]), Is.Empty, "every control of the login form has a label");
        Assert.That(r["focused_first"]!.GetValue<string>(), Is.EqualTo("login"));
        Assert.That(r["focused_second"]!.GetValue<string>(), Is.EqualTo("password"));
        Assert.That(r["logged_in"]!.GetValue<bool>(), Is.True);
        Assert.That(r["nav_by_keyboard"]!.GetValue<bool>(), Is.True, "the navigation is reached with Tab");
        Assert.That(r["devices_by_keyboard"]!.GetValue<bool>(), Is.True);
        Assert.That(r["brand"]!.GetValue<string>(), Is.EqualTo("CityCam"));
        Assert.That(r["header_color"]!.GetValue<string>(), Is.EqualTo("rgb(11, 83, 148)"), "the primary colour of the branding (#0b5394)");
        Assert.That(Strings(r["tiles"]), Is.SupersetOf(new[] { WebStack.LiveCamera, WebStack.HiddenCamera, WebStack.VisitorCamera }));
    }

    [Test, Order(3)]
    public async Task ApproveThePendingDeviceAndWatchItLiveThenInTheArchive()
    {
        var r = await Browser.RunAsync(_stack, "approve-live", TimeSpan.FromMinutes(4));
        Assert.That(r["error"], Is.Null, r.ToJsonString() + "\n" + _stack.Agent.Log);
        var pending = r["pending_text"]!.GetValue<string>();
        Assert.That(pending, Does.Contain(WebStack.AgentSerial).And.Contain("IPC-Web-2MP").And.Contain("5.7.3").And.Contain("127.0.0.1"),
            "the pending device shows what identifies it");
        Assert.That(pending, Does.Contain("Key fingerprint").And.Contain("First seen"));
        Assert.That(r["bound"]!.GetValue<bool>(), Is.True);
        Assert.That(r["mpegts"]!.GetValue<string>(), Does.Contain($"/{WebStack.LiveCamera}/mpegts?token=pt1."), "nginx-rtmp's continuous MPEG-TS: the page links it");
        Assert.That(r["mpegts_note"], Is.Null, "no note that the streamer serves HLS only");
        TestContext.Out.WriteLine($"live: {r["live_mode"]}; WebRTC blocked: {r["blocked_mode"]}");
        Assert.That(r["live_mode"]!.GetValue<string>(), Does.StartWith("Live · "), "WebRTC, or HLS where the node offers no WebRTC");
        Assert.That(r["blocked_mode"]!.GetValue<string>(), Is.EqualTo("Live · HLS (WebRTC: blocked, the streamer's WebRTC address could not be reached from this browser)"),
            "WebRTC blocked on the way: the page says it plays HLS, and why, in plain words");
        var live = r["live"]!;
        Assert.That(live["second"]!.GetValue<double>(), Is.GreaterThan(live["first"]!.GetValue<double>() + 1), "the live video plays: its currentTime advances");
        Assert.That(r["first_tile"]!.GetValue<string>(), Is.EqualTo(WebStack.LiveCamera), "a favorite comes first in the grid");
        Assert.That(r["preview_still"]!.GetValue<bool>(), Is.True, "the grid's tile shows a still, from the camera's archive");
        Assert.That(r["preview_playing"]!.GetValue<bool>(), Is.True, "the grid's live preview plays");
        Assert.That(r["archive_mode"]!.GetValue<string>(), Does.StartWith("Archive from"));
        Assert.That(r["recorded_ranges"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(1), "the timeline shows the recorded range: " + r["recorded_summary"]);
        var now = r["now"]!.GetValue<long>();
        Assert.That(r["recorded_to"]!.GetValue<long>(), Is.InRange(now - 30, now + 5), "recorded up to about now");
        Assert.That(r["recorded_to"]!.GetValue<long>() - r["recorded_from"]!.GetValue<long>(), Is.GreaterThan(15), "since about the binding");
        Assert.That(r["thumb_width"]!.GetValue<int>(), Is.EqualTo(320), "the picture of the moment under the pointer");
        var archive = r["archive"]!;
        Assert.That(archive["second"]!.GetValue<double>(), Is.GreaterThan(archive["first"]!.GetValue<double>() + 1), "clicking the timeline plays the archive");
        Assert.That(r["stepped_at"]!.GetValue<string>(), Is.Not.EqualTo(r["archive_at"]!.GetValue<string>()), "a step moves the moment on screen");
        Assert.That(r["clip_url"]!.GetValue<string>(), Does.Contain($"/{WebStack.LiveCamera}/archive-").And.Contain(".mp4?token=pt1."));
        var clip = r["clip"]!;
        Assert.That(clip["second"]!.GetValue<double>(), Is.GreaterThan(clip["first"]!.GetValue<double>()), "the exported clip's MP4 plays in <video>");
        Assert.That(r["clip_duration"]!.GetValue<double>(), Is.InRange(5.0, 12.0), "a 10 s clip, cut at keyframes");
        Assert.That(r["infra_text"]!.GetValue<string>(), Does.Contain("rtmp-1").And.Contain("nginx-rtmp").And.Contain("1 / 100").And.Contain("embedded"));
        Assert.That(r["page_errors"], Is.Null);
    }

    [Test, Order(4)]
    public async Task AUserWhoMayNotSeeACameraFindsItNowhere()
    {
        var r = await Browser.RunAsync(_stack, "visibility");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(Strings(r["tiles"]), Is.EqualTo(new[] { WebStack.VisitorCamera }));
        Assert.That(Strings(r["hidden_found_on"]), Is.Empty, "no page shows the hidden cameras");
        Assert.That(r["hidden_page"]!.GetValue<string>(), Does.Contain("not found"));
        Assert.That(r["devices_page"]!.GetValue<string>(), Does.Contain("Not allowed"));
        Assert.That(Strings(r["nav"]), Does.Not.Contain("Devices").And.Not.Contain("Import"));
    }

    [Test, Order(5)]
    public async Task AnImportWithBadLinesShowsThem()
    {
        var r = await Browser.RunAsync(_stack, "import");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        var rows = r["rows"]!.AsArray().Select(row => row!.AsArray().Select(c => c!.GetValue<string>()).ToArray()).ToList();
        Assert.That(rows.Select(x => x[0]), Is.EqualTo(new[] { "3", "4" }));
        Assert.That(rows[0][1], Does.Contain("stream_url"));
        Assert.That(rows[1][1], Does.Contain("dvr_depth"));
        Assert.That(r["note"]!.GetValue<string>(), Does.StartWith("2 created, 0 updated, 2 bad lines"));
        var scan = r["scan_rows"]!.AsArray().Select(row => row!.AsArray().Select(c => c!.GetValue<string>()).ToArray()).ToList();
        Assert.That(scan, Has.Count.EqualTo(1));
        Assert.That(scan[0][0], Is.EqualTo("10.77.1.13"));
        Assert.That(scan[0][1], Does.Contain("not authorized"));
        Assert.That(Strings(r["tiles"]), Does.Contain("imp-1").And.Contain("imp-4").And.Not.Contain("imp-2").And.Contain("dahua-scanok1"));
    }

    [Test, Order(7)]
    public async Task OperatorsMakeCamerasSetWhoSeesThemAndGiveADeviceToAUser()
    {
        var r = await Browser.RunAsync(_stack, "manage");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["porch"]!.GetValue<string>(), Does.StartWith("private · group visitors").And.Contain("archive 3 d"));
        // After the live scenario the device is bound to the front door, which changes hands; alone, a camera is made for it.
        var given = r["given"]!.GetValue<string>();
        Assert.That(given, Does.StartWith($"{WebStack.AgentSerial} given to {_stack.VisitorLogin} with camera "));
        var camera = given[(given.LastIndexOf(' ') + 1)..].TrimEnd('.');
        Assert.That(camera, Is.AnyOf(WebStack.LiveCamera, "cam-web-cam-0001"));
        var tiles = Strings(r["visitor_tiles"]);
        Assert.That(tiles, Is.SupersetOf(new[] { camera, "porch", WebStack.VisitorCamera }),
            "the visitor now sees the porch through its group and the device's camera as its owner");
        Assert.That(tiles, Does.Not.Contain(WebStack.HiddenCamera).And.Not.Contain("imp-1"), "private cameras of other groups stay hidden");
    }

    [Test, Order(6)]
    public async Task AtPhoneWidthNoPageScrollsSidewaysEveryControlIsLabelledAndTextContrasts()
    {
        var r = await Browser.RunAsync(_stack, "phone");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        var pages = r["pages"]!.AsObject();
        Assert.That(pages, Has.Count.EqualTo(9));
        foreach (var (route, page) in pages)
        {
            Assert.That(page!["overflow"]!.GetValue<int>(), Is.LessThanOrEqualTo(0), $"{route} scrolls sideways at 390 px");
            Assert.That(Strings(page["unlabelled"]), Is.Empty, $"{route} has controls without a label");
            Assert.That(Strings(page["low_contrast"]), Is.Empty, $"{route} has text below 4.5:1 contrast");
        }
    }

    [Test, Order(8)]
    public async Task AUserClaimsTheCameraWithItsSticker()
    {
        var r = await Browser.RunAsync(_stack, "claim");
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["wrong_pin"]!.GetValue<bool>(), Is.True, "a wrong PIN is refused in words");
        // After the other scenarios the visitor already holds the front door; alone, the claim makes its camera.
        Assert.That(r["camera"]!.GetValue<string>(), Is.AnyOf(WebStack.LiveCamera, "cam-web-cam-0001"));
        Assert.That(r["heading"]!.GetValue<string>(), Is.Not.Empty);
    }

    [Test, Order(9)]
    public async Task ARogueDeviceOnTheStickersSerialIsRefusedAtOnceWithTheReason()
    {
        // The sticker is tied at the factory to the camera's key; a device with another key reports its serial.
        const string serial = "WEB-ROGUE-0001";
        using var cameraKey = KeyPair.Generate();
        using var rogueKey = KeyPair.Generate();
        using var admin = await _stack.Portal.AdminAsync();
        var sticker = await admin.PostJsonAsync("/api/v1/stickers", new { serial, pin = WebStack.StickerPin, fingerprint = DeviceIdentity.Fingerprint(cameraKey.PublicKey) });
        Assert.That(sticker.Status, Is.EqualTo(HttpStatusCode.NoContent), sticker.Text);
        var relayKey = Convert.FromBase64String((await admin.GetAsync("/api/v1/relays")).Json!.AsArray()
            .First(n => n!["node_id"]!.GetValue<string>() == "embedded")!["public_key"]!.GetValue<string>());
        var rogue = await SimAgent.ConnectAsync(IPEndPoint.Parse(_stack.Portal.Options.EmbeddedRelay), relayKey, rogueKey, ManagedChaChaPolyFactory.Instance, serial);
        try
        {
            await rogue.HelloOk.WaitAsync(TimeSpan.FromSeconds(30));
            var r = await Browser.RunAsync(_stack, "claim-refused", extra: new JsonObject { ["rogue_serial"] = serial, ["rogue_pin"] = WebStack.StickerPin });
            Assert.That(r["error"], Is.Null, r.ToJsonString());
            Assert.That(r["refusal"]!.GetValue<string>(), Does.Contain("not come online yet").And.Contain("another key"), "the reason, in words");
            Assert.That(r["still_on_claim"]!.GetValue<bool>(), Is.True);
            Assert.That(r["flagged"]!.GetValue<string>(), Does.Contain("tied to another key"), "the operator's Devices page flags the rogue");
            TestContext.Out.WriteLine($"bad claim to refusal in the page: {r["refusal_ms"]} ms");
            Assert.That(r["refusal_ms"]!.GetValue<int>(), Is.LessThan(5000), "the refusal is immediate, not after a timeout");
            var device = (await admin.GetAsync($"/api/v1/devices/{DeviceIdentity.DeviceId(rogueKey.PublicKey)}")).Json!;
            Assert.That(device["state"]!.GetValue<string>(), Is.EqualTo("pending"));
            Assert.That(device["camera"]?.GetValue<string>(), Is.Null);
        }
        finally
        {
            rogue.Close("test over");
        }
    }

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
}
