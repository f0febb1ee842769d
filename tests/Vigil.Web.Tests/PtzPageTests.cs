using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// The grid's stills and the camera page's PTZ controls in Chromium, against a portal with the real relay, the AOT agent
/// and the simulated PTZ camera behind it: what the page does is read back at the camera. The events panel shows
/// an event raised at the camera, and one raised after it by a camera whose clock is behind.
/// </summary>
[NonParallelizable]
public sealed class PtzPageTests
{
    private PortalServer _portal = null!;
    private CameraBehindAgent _rig = null!;
    private string _root = "";

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Repository.Root;
        var web = Path.Combine(_root, "portal-web", "dist");
        if (!File.Exists(Path.Combine(web, "index.html")))
        {
            Assert.Fail($"the web portal is not built ({web}): ./build.sh build or ./build.sh test build it (npm ci, vite build)");
        }
        _portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o => o.WebRoot = web);
        using var admin = await _portal.AdminAsync();
        _rig = await CameraBehindAgent.StartAsync(_portal, admin);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    [Test]
    public async Task TheGridShowsStillsHeldButtonsMoveTheCameraAndEventsAppear()
    {
        var config = new JsonObject
        {
            ["url"] = _portal.BaseAddress.ToString().TrimEnd('/'),
            ["admin"] = new JsonObject { ["login"] = _portal.Admin.Login, ["password"] = _portal.Admin.Password },
            ["ptz_camera"] = _rig.CameraName,
            ["camera_raise"] = $"http://127.0.0.1:{_rig.OnvifPort}/camsim/raise?kind=motion",
            ["screenshots"] = Path.Combine(_root, "artifacts", "screenshots"),
        };
        Directory.CreateDirectory(config["screenshots"]!.GetValue<string>());
        var r = await Browser.RunAsync("ptz", config, TimeSpan.FromMinutes(3));
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["page_errors"], Is.Null, r.ToJsonString());
        Assert.That(r["unlabelled"]!.AsArray(), Is.Empty, "every PTZ control has a name");
        static double P(JsonNode? n, string axis) => n![axis]!.GetValue<double>();

        Assert.That((r["grid_still"]!["width"]!.GetValue<int>(), r["grid_still"]!["height"]!.GetValue<int>(), r["grid_still"]!["hidden"]!.GetValue<bool>()),
            Is.EqualTo((32, 18, false)), "the grid shows the camera's still, decoded by the browser");
        Assert.That(r["grid_video_hidden"]!.GetValue<bool>(), Is.True, "no live player while the still shows");
        Assert.That(r["grid_refreshed"]!.GetValue<bool>(), Is.True, "a new still after 5 s");
        Assert.That(_rig.Camera.Snapshot.Taken, Is.GreaterThanOrEqualTo(2));
        Assert.That(r["grid_hover"]!["still_hidden"]!.GetValue<bool>(), Is.True, "hovering plays live");
        Assert.That(r["grid_hover"]!["caption"]!.GetValue<string>(), Is.EqualTo("Not on a streamer yet"), "it asked for the live video (this camera has no streamer)");
        Assert.That(r["grid_left_still_hidden"]!.GetValue<bool>(), Is.False, "the still again once the pointer leaves");
        Assert.That(r["grid_live"]!["still_hidden"]!.GetValue<bool>(), Is.True, "#/cameras/live shows no still");
        Assert.That(r["grid_live"]!["caption"]!.GetValue<string>(), Is.EqualTo("Not on a streamer yet"), "#/cameras/live asked for the live video without a hover");

        Assert.That(P(r["mouse_held"], "pan"), Is.GreaterThan(P(r["mouse_before"], "pan") + 0.5),
            "held for 4 s at speed 0.5 the head turned about 1 unit: the page's renewals outlast the portal's 3 s hold");
        Assert.That(P(r["mouse_still"], "pan"), Is.EqualTo(P(r["mouse_released"], "pan")), "released: stopped");
        Assert.That(P(r["key_held"], "tilt"), Is.GreaterThan(P(r["mouse_still"], "tilt")), "Enter held on Tilt up");
        Assert.That(P(r["key_still"], "tilt"), Is.EqualTo(P(r["key_released"], "tilt")), "Enter released: stopped");
        Assert.That(P(r["arrow_held"], "pan"), Is.LessThan(P(r["key_still"], "pan")), "ArrowLeft held on the pad");
        Assert.That(P(r["touch_held"], "zoom"), Is.GreaterThan(P(r["arrow_released"], "zoom")), "a finger on Zoom in");
        Assert.That(P(r["touch_still"], "zoom"), Is.EqualTo(P(r["touch_released"], "zoom")), "the finger lifted: stopped");
        Assert.That((P(r["preset"], "pan"), P(r["preset"], "tilt"), P(r["preset"], "zoom")), Is.EqualTo((-0.7, 0.3, 0.4)), "Go to preset Parking");
        Assert.That(r["status_text"]!.GetValue<string>(), Is.EqualTo("Going to Parking."));

        Assert.That(_rig.Camera.Ptz.Moving, Is.False, "the move whose release was lost with the network was stopped by the portal");
        Assert.That(P(r["lost_later"], "tilt"), Is.EqualTo(P(r["lost_first"], "tilt")), "still once the network is back");
        Assert.That(P(r["lost_first"], "tilt"), Is.LessThan(0.3).And.GreaterThan(-0.5), "it had tilted down from the preset, and not for long");
        Assert.That(_portal.Log.Text, Does.Contain($"camera '{_rig.CameraName}': PTZ move stopped by the portal"));

        Assert.That(r["event_on_page_ms"]!.GetValue<long>(), Is.LessThan(2000), "a motion event at the camera is on the page within 2 s");
        Assert.That(r["event_text"]!.GetValue<string>(), Does.StartWith("Motion at "));
        Assert.That(r["late_event_on_page"]!.GetValue<bool>(), Is.True,
            "a tamper event raised after the motion with the camera's clock 2 min behind is on the page too (within 10 s)");
        Assert.That(r["events_in_order"]!.AsArray().Select(k => k!.GetValue<string>()).Last(), Is.EqualTo("tamper"), "drawn in its place by camera time: below the newer motion");
    }
}
