using System.Net;
using Vigil.Stack;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// Chromium watches over WebRTC, then the portal takes the viewer's right away, or revokes the
/// camera's device: the viewer's last frame comes within 5 s, the node has no session left, and the
/// page says the live video ended.
/// </summary>
[TestFixture]
public sealed class WebRtcRevocationTests : LiveStackFixture
{
    private const int CutOffMs = 5000;

    [Test, Order(1)]
    public async Task AViewerWhoseRightIsTakenAwayIsCutOffWithinFiveSeconds()
    {
        var revoking = WatchAndRevokeAsync(async () =>
        {
            var removed = await Stack.Admin.DeleteAsync($"/api/v1/groups/{Stack.Group}/members/{Stack.ViewerId}");
            Assert.That(removed.Status, Is.EqualTo(HttpStatusCode.NoContent), removed.Text);
        }, out var result);
        var revokedAt = await revoking;
        await AssertCutOffAsync(await result, revokedAt);
        Assert.That(Stack.Node.Live.Output, Does.Contain("ended: the portal refused the viewer now"));
        var back = await Stack.Admin.PutJsonAsync($"/api/v1/groups/{Stack.Group}/members/{Stack.ViewerId}", new { can_dvr = false });
        Assert.That(back.Status, Is.EqualTo(HttpStatusCode.NoContent), back.Text);
    }

    [Test, Order(2)]
    public async Task TheViewersOfARevokedDeviceAreCutOffWithinFiveSeconds()
    {
        var revoking = WatchAndRevokeAsync(async () =>
        {
            var revoked = await Stack.Admin.PostJsonAsync($"/api/v1/devices/{Stack.Device.Id}/revoke", new { });
            Assert.That(revoked.Status, Is.EqualTo(HttpStatusCode.OK), revoked.Text);
        }, out var result);
        var revokedAt = await revoking;
        await AssertCutOffAsync(await result, revokedAt);
        Assert.That(Stack.Node.Live.Output, Does.Contain($"feed of '{Stack.Camera}' ended: the stream ended"));
    }

    /// <summary>Starts the browser watching; once it plays, runs the revocation; the wall-clock time of the revocation in ms.</summary>
    private Task<long> WatchAndRevokeAsync(Func<Task> revoke, out Task<System.Text.Json.Nodes.JsonObject> result)
    {
        var ready = Path.Combine(Stack.Dir, $"ready-{Guid.NewGuid():N}");
        var config = Stack.Config();
        config["ready_file"] = ready;
        config["watch_seconds"] = 12;
        result = Browser.RunAsync("webrtc-live", config);
        var scenario = result;
        return RevokeWhenReadyAsync();

        async Task<long> RevokeWhenReadyAsync()
        {
            var playing = await Poll.WithinAsync(TimeSpan.FromSeconds(90), () => Task.FromResult(File.Exists(ready) || scenario.IsCompleted));
            Assert.That(playing is not null && File.Exists(ready), Is.True, "the page played over WebRTC first\n" + Stack.Logs());
            Assert.That(await Stack.Node.ViewersAsync(), Is.EqualTo(1));
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await revoke();
            return at;
        }
    }

    private async Task AssertCutOffAsync(System.Text.Json.Nodes.JsonObject r, long revokedAt)
    {
        var log = r.ToJsonString() + "\n" + Stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"), log);
        var lastFrame = r["last_frame_at"]!.GetValue<long>();
        TestContext.Out.WriteLine($"last frame {lastFrame - revokedAt} ms after the revocation");
        Assert.That(lastFrame - revokedAt, Is.LessThanOrEqualTo(CutOffMs), log);
        Assert.That(r["mode_after"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC ended"), log);
        Assert.That(await Stack.Node.ViewersAsync(), Is.Zero, "the node ended the session");
    }
}
