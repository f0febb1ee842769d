using System.Net;
using Vigil.Portal.CameraControl;

namespace Vigil.Portal.Tests;

/// <summary>
/// PTZ end to end: the portal's API, the real relay and AOT agent, and the simulated camera's head,
/// whose position is what the tests check. Rights, the portal's own stop of a move that is not
/// renewed, the per-camera rate limit, the audit log and the 400s of bad requests.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class PtzThroughAgentTests(string database) : CameraBehindAgentSuite(database)
{
    private string Ptz => $"/api/v1/cameras/{Rig.CameraName}/ptz";

    [SetUp]
    public async Task StillAndRested()
    {
        // Each test starts with the rate limit refilled and the head at rest.
        await Task.Delay(TimeSpan.FromSeconds(PtzControl.Burst / PtzControl.PerSecond));
        if (Rig.Camera.Ptz.Moving)
        {
            await Admin.PostJsonAsync($"{Ptz}/stop", new { });
        }
    }

    [Test]
    public async Task TheHeadMovesStopsZoomsAndGoesToPresets()
    {
        var moved = await Admin.PostJsonAsync($"{Ptz}/move", new { pan = 1.0, tilt = 0.0 });
        Assert.That(moved.Status, Is.EqualTo(HttpStatusCode.NoContent), moved.Text + "\n" + Rig.Agent.Log);
        var from = Rig.Camera.Ptz.Position;
        await Task.Delay(600);
        Assert.That(Rig.Camera.Ptz.Moving, Is.True);
        Assert.That(Rig.Camera.Ptz.Position.Pan, Is.GreaterThan(from.Pan), "the head turns while the move lasts");
        Assert.That((await Admin.PostJsonAsync($"{Ptz}/stop", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Moving, Is.False);
        var stopped = Rig.Camera.Ptz.Position;
        await Task.Delay(300);
        Assert.That(Rig.Camera.Ptz.Position, Is.EqualTo(stopped), "stopped means still");

        var presets = await Admin.GetAsync($"{Ptz}/presets");
        Assert.That(presets.Status, Is.EqualTo(HttpStatusCode.OK), presets.Text);
        Assert.That(presets.Json!.AsArray().Select(p => $"{p!["token"]}={p["name"]}"), Is.SupersetOf(new[] { "1=Gate", "2=Parking" }));
        Assert.That((await Admin.PostJsonAsync($"{Ptz}/presets/2/goto", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Position, Is.EqualTo((-0.7, 0.3, 0.4)));
        var status = (await Admin.GetAsync($"{Ptz}/status")).Json!;
        Assert.That((status["pan"]!.GetValue<double>(), status["tilt"]!.GetValue<double>(), status["zoom"]!.GetValue<double>()), Is.EqualTo((-0.7, 0.3, 0.4)),
            "GetStatus, in the captured Hikvision answer's shape");

        Assert.That((await Admin.PostJsonAsync($"{Ptz}/zoom", new { step = 0.25 })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Position.Zoom, Is.EqualTo(0.65).Within(1e-9));

        var saved = await Admin.PostJsonAsync($"{Ptz}/presets", new { name = "Door" });
        Assert.That(saved.Status, Is.EqualTo(HttpStatusCode.Created), saved.Text);
        var token = saved.Json!["token"]!.GetValue<string>();
        Assert.That((await Admin.PostJsonAsync($"{Ptz}/home", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Position, Is.EqualTo((0.0, 0.0, 0.0)));
        Assert.That((await Admin.PostJsonAsync($"{Ptz}/presets/{token}/goto", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Position.Zoom, Is.EqualTo(0.65).Within(1e-9), "the saved preset is where the head was");

        Assert.That((await Admin.DeleteAsync($"{Ptz}/presets/{token}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var gone = await Admin.PostJsonAsync($"{Ptz}/presets/{token}/goto", new { });
        Assert.That((gone.Status, gone.Error), Is.EqualTo((HttpStatusCode.BadRequest, $"camera '{Rig.CameraName}' has no preset '{token}' (GET .../ptz/presets lists them)")));

        var audit = await Admin.GetAsync($"{Ptz}/audit?limit=8");
        Assert.That(audit.Status, Is.EqualTo(HttpStatusCode.OK), audit.Text);
        var actions = audit.Json!.AsArray().Select(a => a!["action"]!.GetValue<string>()).Reverse().ToList();
        Assert.That(actions, Is.EqualTo(new[] { "move", "stop", "goto_preset", "zoom", "set_preset", "home", "goto_preset", "remove_preset" }));
        Assert.That(audit.Json!.AsArray().All(a => a!["login"]!.GetValue<string>() == Portal.Admin.Login), Is.True, "who");
        Assert.That(audit.Json!.AsArray()[^1]!["detail"]!.GetValue<string>(), Is.EqualTo("pan=1 tilt=0 zoom=0"), "what");
        Assert.That(audit.Json![0]!["at"]!.GetValue<long>(), Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Within(60_000), "when");
    }

    [Test]
    public async Task BadSpeedsAndPresetsAreAClear400()
    {
        foreach (var (path, body, error) in new (string, object, string)[]
        {
            ("move", new { pan = 1.5 }, "pan must be between -1 and 1"),
            ("move", new { tilt = -2.0, zoom = 3.0 }, "tilt must be between -1 and 1"),
            ("move", new { }, "a move needs a non-zero pan, tilt or zoom speed (to stop, POST .../ptz/stop)"),
            ("zoom", new { step = 1.01 }, "step must be between -1 and 1"),
            ("zoom", new { }, "step is required"),
            ("presets/no-such/goto", new { }, $"camera '{Rig.CameraName}' has no preset 'no-such' (GET .../ptz/presets lists them)"),
            ("presets", new { name = "" }, "a preset name is 1 to 64 characters, without control characters or < > &"),
            ("presets", new { name = "x", token = "77" }, $"camera '{Rig.CameraName}' has no preset '77' (GET .../ptz/presets lists them)"),
        })
        {
            var answer = await Admin.PostJsonAsync($"{Ptz}/{path}", body);
            Assert.That((answer.Status, answer.Error), Is.EqualTo((HttpStatusCode.BadRequest, error)), path);
        }
        Assert.That(Rig.Camera.Ptz.Moving, Is.False);
        var removed = await Admin.DeleteAsync($"{Ptz}/presets/77");
        Assert.That(removed.Status, Is.EqualTo(HttpStatusCode.BadRequest), removed.Text);
    }

    [Test]
    public async Task OnlyThoseWithCanPtzMoveTheCamera()
    {
        var (watcher, watcherId) = await Portal.UserAsync(Admin, Fixtures.Unique("watcher"));
        var (pilot, pilotId) = await Portal.UserAsync(Admin, Fixtures.Unique("pilot"));
        var (stranger, _) = await Portal.UserAsync(Admin, Fixtures.Unique("stranger"));
        Assert.That((await Admin.PutJsonAsync($"/api/v1/groups/{Group}/members/{watcherId}", new { can_ptz = false })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await Admin.PutJsonAsync($"/api/v1/groups/{Group}/members/{pilotId}", new { can_ptz = true })).Status, Is.EqualTo(HttpStatusCode.NoContent));

        var refused = await watcher.PostJsonAsync($"{Ptz}/move", new { pan = 0.5 });
        Assert.That((refused.Status, refused.Error), Is.EqualTo((HttpStatusCode.Forbidden, "you may not move this camera (it needs can_ptz)")));
        Assert.That((await watcher.GetAsync($"{Ptz}/presets")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await watcher.GetAsync($"/api/v1/cameras/{Rig.CameraName}")).Status, Is.EqualTo(HttpStatusCode.OK), "watching is still allowed");
        Assert.That((await stranger.PostJsonAsync($"{Ptz}/move", new { pan = 0.5 })).Status, Is.EqualTo(HttpStatusCode.NotFound));
        using var anonymous = Portal.Anonymous();
        Assert.That((await anonymous.PostJsonAsync($"{Ptz}/move", new { pan = 0.5 })).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(Rig.Camera.Ptz.Moving, Is.False, "no refused move reached the camera");

        var allowed = await pilot.PostJsonAsync($"{Ptz}/move", new { pan = -0.5 });
        Assert.That(allowed.Status, Is.EqualTo(HttpStatusCode.NoContent), allowed.Text);
        Assert.That(Rig.Camera.Ptz.Moving, Is.True);
        Assert.That((await pilot.PostJsonAsync($"{Ptz}/stop", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Rig.Camera.Ptz.Moving, Is.False);
        Assert.That((await pilot.GetAsync($"{Ptz}/audit")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "the audit log is for staff");
    }

    [Test]
    public async Task AMoveWhoseStopNeverComesIsStoppedByThePortal()
    {
        var stops = Rig.Camera.Ptz.Stops;
        // Renewed every second, a move outlives the hold time.
        for (var i = 0; i < 5; i++)
        {
            Assert.That((await Admin.PostJsonAsync($"{Ptz}/move", new { tilt = 0.1 })).Status, Is.EqualTo(HttpStatusCode.NoContent));
            await Task.Delay(1000);
        }
        Assert.That(Rig.Camera.Ptz.Moving, Is.True, "held for 5 s, past the 3 s hold, by its renewals");
        Assert.That(Rig.Camera.Ptz.Stops, Is.EqualTo(stops));

        // Then the release is lost: no stop, no renewal.
        var started = DateTime.UtcNow;
        Assert.That(await Eventually.True(() => Task.FromResult(!Rig.Camera.Ptz.Moving), seconds: 10), Is.True, "stopped by the portal");
        var took = DateTime.UtcNow - started;
        Assert.That(took, Is.LessThan(PtzControl.HoldFor + TimeSpan.FromSeconds(2)), "within the hold time (the camera itself ignores the move's Timeout)");
        Assert.That(Rig.Camera.Ptz.Stops, Is.EqualTo(stops + 1), "by a Stop the portal sent");
        // The portal writes the audit record once the camera has answered the Stop: a moment after the camera stops.
        System.Text.Json.Nodes.JsonNode audit = null!;
        Assert.That(await Eventually.True(async () =>
        {
            audit = (await Admin.GetAsync($"{Ptz}/audit?limit=1")).Json!.AsArray().Single()!;
            return audit["action"]!.GetValue<string>() == "stop";
        }, seconds: 5), Is.True, "the stop is in the audit log");
        Assert.That((audit["action"]!.GetValue<string>(), audit["login"]!.GetValue<string>(), audit["detail"]!.GetValue<string>()),
            Is.EqualTo(("stop", "portal", "no renewal within 3 s")));
        Assert.That(Portal.Log.Text, Does.Contain($"camera '{Rig.CameraName}': PTZ move stopped by the portal"));
        Assert.That(Portal.Log.Text, Does.Not.Contain(CameraBehindAgent.CameraPassword));
    }

    [Test]
    public async Task MovesAreRateLimitedPerCamera()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await Admin.PostJsonAsync($"{Ptz}/move", new { pan = i % 2 == 0 ? 0.2 : -0.2 })).Status);
        }
        Assert.That(statuses.Count(s => s == HttpStatusCode.NoContent), Is.InRange(PtzControl.Burst, PtzControl.Burst + 6), string.Join(",", statuses));
        Assert.That(statuses.Where(s => s != HttpStatusCode.NoContent), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
        var refused = await Admin.PostJsonAsync($"{Ptz}/move", new { pan = 0.2 });
        if (refused.Status == HttpStatusCode.TooManyRequests)
        {
            Assert.That(refused.Error, Is.EqualTo($"too many PTZ commands for camera '{Rig.CameraName}': at most 5 a second"));
        }
        await Task.Delay(2100);
        Assert.That((await Admin.PostJsonAsync($"{Ptz}/stop", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent), "the limit refills");
    }
}
