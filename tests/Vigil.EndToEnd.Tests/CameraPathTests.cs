using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// A camera's whole path through real processes: the AOT agent's hello through the portal's
/// embedded relay, the device pending, an operator's approval (or an end user's claim with the
/// sticker's serial and PIN), binding, placement on nginx-rtmp, the assignment through the relay,
/// the agent publishing, the publish hook allowing it, a viewer's playback URL from the portal, the
/// play checks allowing it and ffprobe decoding the HLS and the continuous MPEG-TS; then a
/// revocation cutting it all off.
/// </summary>
public sealed class CameraPathTests
{
    private VigilStack _stack = null!;
    private StackOptions _options = null!;
    private HttpClient Admin => _stack.Portal.Api;

    [OneTimeSetUp]
    public async Task Start()
    {
        EndToEnd.RequirePeers();
        _options = EndToEnd.Options("path");
        _stack = await VigilStack.StartAsync(_options);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            Directory.Delete(_options.StateDir, recursive: true);
        }
    }

    /// <summary>Whether the portal logs the line within the limit (5 s): its log comes through its standard output, a moment after its answers.</summary>
    private async Task<bool> LoggedAsync(string line, TimeSpan? limit = null) =>
        await Poll.WithinAsync(limit ?? TimeSpan.FromSeconds(5), () => Task.FromResult(_stack.Portal.Log.Contains(line, StringComparison.Ordinal))) is not null;

    [Test]
    public async Task AnApprovedCameraPlaysForItsViewerAndARevocationEndsIt()
    {
        var (camera, id) = await _stack.AddCameraAsync("E2E-OP-1");
        var device = await _stack.DeviceAsync(id);
        Assert.That(device["state"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(device["serial"]!.GetValue<string>(), Is.EqualTo("E2E-OP-1"));
        Assert.That(device["relay_node"]!.GetValue<string>(), Is.EqualTo("embedded"));
        Assert.That(await Admin.GetStringAsync("/api/v1/devices?state=pending"), Does.Contain(id));

        const string name = "e2e-op";
        await _stack.CreateCameraAsync(name, camera.RtspUrl);
        await VigilStack.PostAsync(Admin, "/api/v1/groups", new { name = "e2e-viewers" }, HttpStatusCode.Created);
        Assert.That((await Admin.PatchAsJsonAsync($"/api/v1/cameras/{name}", new { group = "e2e-viewers" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (viewer, viewerId) = await _stack.UserAsync("e2e-viewer", "viewer-password-1");
        Assert.That((await Admin.PutAsJsonAsync($"/api/v1/groups/e2e-viewers/members/{viewerId}", new { can_dvr = false })).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var (outsider, _) = await _stack.UserAsync("e2e-outsider", "outsider-password-1");
        using (viewer)
        using (outsider)
        {
            await _stack.ApproveAsync(id);
            await _stack.BindAsync(id, name);
            var placed = JsonNode.Parse(await Admin.GetStringAsync($"/api/v1/cameras/{name}"))!;
            Assert.That(placed["streamer"]?.GetValue<string>(), Is.EqualTo(VigilStack.StreamerName), "the portal placed the camera on the one streamer");

            var (hls, mpegts) = await VigilStack.PlaybackAsync(viewer, name);
            Assert.That(hls, Does.StartWith($"http://127.0.0.1:{_stack.StreamerHttpPort}/{name}/index.m3u8?token=pt1."));
            Assert.That(mpegts, Does.StartWith($"http://127.0.0.1:{_stack.StreamerHttpPort}/{name}/mpegts?token=pt1."), "nginx-rtmp's continuous MPEG-TS (njs)");
            var took = await VigilStack.WaitPlayingAsync(hls, TimeSpan.FromSeconds(45));
            TestContext.Out.WriteLine($"binding to HLS playing: {took.TotalSeconds:F1} s");

            // The MPEG-TS: one response that goes on from fragment to fragment. It starts at the newest
            // two fragments (a second of video each, 25 frames), so six seconds of video decoded, and
            // more than three seconds waited for them, are fragments nginx-rtmp wrote after the start.
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var watcher = await MpegTsWatcher.StartAsync(http, mpegts!);
            TestContext.Out.WriteLine($"MPEG-TS request to first bytes: {watcher.FirstBytes.TotalMilliseconds:F0} ms");
            var probing = Stopwatch.StartNew();
            var (frames, said) = await VigilStack.ProbeAsync(mpegts!, TimeSpan.FromSeconds(30), seconds: 6);
            TestContext.Out.WriteLine($"MPEG-TS: {frames} frames of 6 s decoded in {probing.Elapsed.TotalSeconds:F1} s");
            Assert.That(frames, Is.GreaterThanOrEqualTo(125), $"six seconds of video from the continuous MPEG-TS; ffprobe said: {said}");
            Assert.That(probing.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(3)), "live: the fragments after the first two came as nginx-rtmp wrote them");
            var watched = watcher.Bytes;
            // A viewer who goes away: nginx closes its side at its next send (a poll every 0.5 s), so
            // the script's polling stopped with it rather than going on for a closed connection.
            var leaving = await MpegTsWatcher.StartAsync(http, mpegts!);
            await leaving.LeaveAsync();
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(MpegTsWatcher.ClosedByClientOnly(_stack.StreamerHttpPort) == 0)), Is.Not.Null,
                "nginx closed the connection of the viewer who went away");
            var forgedTs = mpegts![..^4] + (mpegts.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
            foreach (var refusedUrl in new[] { forgedTs, mpegts[..mpegts.IndexOf('?', StringComparison.Ordinal)] })
            {
                using var refusedTs = await http.GetAsync(refusedUrl);
                var body = await refusedTs.Content.ReadAsByteArrayAsync();
                Assert.That(refusedTs.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "auth_request guards the MPEG-TS: a forged token, or none");
                Assert.That(refusedTs.Content.Headers.ContentType?.MediaType, Is.Not.EqualTo("video/mp2t"));
                Assert.That(body.Length == 0 || body[0] != 0x47, Is.True, "no MPEG-TS packet in the refusal");
            }
            Assert.That(await LoggedAsync($"nginx-rtmp hook: publish of '{name}' from 127.0.0.1 allowed: the bound device's publish token"), Is.True, _stack.Portal.Log);
            Assert.That(camera.Agent.Log, Does.Contain($"media: {camera.RtspUrl} -> rtmp://127.0.0.1:{_stack.StreamerRtmpPort}/live/{name}?***"));
            Assert.That(camera.Agent.Log, Does.Not.Contain("pub1."), "the agent never logs its publish token");

            // The same token over RTMP, through nginx-rtmp's on_play.
            var token = hls[(hls.IndexOf("token=", StringComparison.Ordinal) + 6)..];
            var rtmp = $"rtmp://127.0.0.1:{_stack.StreamerRtmpPort}/live/{name}?token={token}";
            Assert.That((await VigilStack.ProbeAsync(rtmp, TimeSpan.FromSeconds(30))).Frames, Is.GreaterThan(0), "RTMP play with the viewer's token");

            // Refusals: no URL for a user without rights; a forged token and another camera's token played nowhere.
            using (var denied = await outsider.GetAsync($"/api/v1/cameras/{name}/playback"))
            {
                Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a user without rights is not even told the camera exists");
            }
            var forged = hls[..^4] + (hls.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
            using (var refused = await http.GetAsync(forged))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "nginx's auth_request asked the portal, which refused the forged token");
            }
            Assert.That((await VigilStack.ProbeAsync(forged, TimeSpan.FromSeconds(20))).Frames, Is.Zero);
            Assert.That((await VigilStack.ProbeAsync(rtmp[..^4] + "AAAA", TimeSpan.FromSeconds(20))).Frames, Is.Zero, "on_play refuses a forged token");
            Assert.That(await LoggedAsync($"nginx-rtmp hook: play of '{name}' from 127.0.0.1 denied: token not signed by this installation"), Is.True, _stack.Portal.Log);
            using (var noToken = await http.GetAsync(hls[..hls.IndexOf('?', StringComparison.Ordinal)]))
            {
                Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden).Or.EqualTo(HttpStatusCode.Unauthorized), "the playlist without a token");
            }

            // Revocation: the agent is cut off and the stream is gone within 5 s; its next publish, with the old token, is refused.
            Assert.That(await _stack.PublishingAsync(name), Is.True);
            Assert.That(watcher.Bytes, Is.GreaterThan(watched), "the first viewer's MPEG-TS response went on while the others were asked");
            Assert.That(watcher.Ended, Is.False, "the MPEG-TS response lasts as long as the stream");
            var clock = Stopwatch.StartNew();
            await _stack.RevokeAsync(id);
            var gone = await Poll.WithinAsync(TimeSpan.FromSeconds(10), async () =>
                !await _stack.PublishingAsync(name) && !(await _stack.DeviceAsync(id))["connected"]!.GetValue<bool>());
            Assert.That(gone, Is.Not.Null, $"the stream or the session outlived the revocation\n{camera.Agent.Log}");
            TestContext.Out.WriteLine($"revocation to stream gone and agent disconnected: {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(await LoggedAsync($"nginx-rtmp hook: publish of '{name}' from 127.0.0.1 denied: ", TimeSpan.FromSeconds(20)), Is.True,
                $"the agent's fresh publish with its old token was refused\n{_stack.Portal.Log}");
            Assert.That(await _stack.PublishingAsync(name), Is.False, "nothing publishes the revoked camera");
            // The MPEG-TS response open since before the revocation ends (nginx closes it, 10 s after the stream's last fragment).
            var ended = await watcher.EndsWithinAsync(TimeSpan.FromSeconds(30));
            TestContext.Out.WriteLine($"MPEG-TS: {watcher.Bytes} bytes in one response, which ended {ended?.TotalSeconds:F1} s after the stream was gone");
            Assert.That(ended, Is.Not.Null, "the MPEG-TS response outlived the stream");
            Assert.That(watcher.Failure, Is.Null, "the response ended as a chunked response ends, not cut off");
            var nginxLog = File.ReadAllText(Path.Combine(_stack.NginxDir, "error.log"));
            Assert.That(nginxLog, Does.Not.Contain("[error]").And.Not.Contain("[alert]").And.Not.Contain("[crit]"), "nginx's worker, njs included, logged no error");
            // nginx-rtmp keeps a player of a stream nobody publishes waiting: eight seconds without a frame, where a live stream gives its first within two or three, say enough.
            Assert.That((await VigilStack.ProbeAsync(rtmp, TimeSpan.FromSeconds(8))).Frames, Is.Zero, "no stream to play");
        }
    }

    [Test]
    public async Task AnEndUserClaimsACameraWithItsStickerAndWatchesIt()
    {
        const string serial = "E2E-CLAIM-1";
        const string pin = "4821-7730";
        await VigilStack.PostAsync(Admin, "/api/v1/stickers", new { serial, pin }, HttpStatusCode.NoContent);
        var (camera, id) = await _stack.AddCameraAsync(serial);
        Assert.That((await _stack.DeviceAsync(id))["state"]!.GetValue<string>(), Is.EqualTo("pending"));
        var (owner, _) = await _stack.UserAsync("e2e-owner", "owner-password-1");
        var (neighbour, _) = await _stack.UserAsync("e2e-neighbour", "neighbour-password-1");
        using (owner)
        using (neighbour)
        {
            using (var wrong = await owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = "0000-0000" }))
            {
                Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a wrong PIN claims nothing");
            }
            var claimed = await VigilStack.PostAsync(owner, "/api/v1/devices/claim", new { serial, pin }, HttpStatusCode.OK);
            var name = claimed["name"]!.GetValue<string>();
            Assert.That(name, Is.EqualTo("cam-e2e-claim-1"));
            Assert.That((await _stack.DeviceAsync(id))["state"]!.GetValue<string>(), Is.EqualTo("approved"));

            Assert.That(JsonNode.Parse(await _stack.Portal.Api.GetStringAsync($"/api/v1/cameras/{name}"))!["stream_url"]!.GetValue<string>(), Is.Empty,
                "the owner knows no RTSP address");
            Assert.That(JsonNode.Parse(await owner.GetStringAsync($"/api/v1/cameras/{name}"))!.AsObject().ContainsKey("stream_url"), Is.False,
                "where the agent connects is for staff");

            // The agent streams the camera of its own config (the camera_url the installer wrote).
            var (hls, _) = await VigilStack.PlaybackAsync(owner, name);
            var took = await VigilStack.WaitPlayingAsync(hls, TimeSpan.FromSeconds(45));
            TestContext.Out.WriteLine($"claim to HLS playing: {took.TotalSeconds:F1} s");
            Assert.That(await LoggedAsync($"nginx-rtmp hook: publish of '{name}' from 127.0.0.1 allowed"), Is.True, _stack.Portal.Log);
            Assert.That(camera.Agent.Log, Does.Contain($"media: {camera.RtspUrl} -> rtmp://127.0.0.1:{_stack.StreamerRtmpPort}/live/{name}?***"));

            // Where the agent connects is for staff: the owner may not point it elsewhere. An address an
            // operator sets later reaches the agent at once (credentials the camera does not ask for, masked in the log).
            var address = camera.RtspUrl.Replace("rtsp://", "rtsp://owner:s3cret@", StringComparison.Ordinal);
            using (var refused = await owner.PatchAsJsonAsync($"/api/v1/cameras/{name}", new { stream_url = address }))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await refused.Content.ReadAsStringAsync());
            }
            using (var set = await _stack.Portal.Api.PatchAsJsonAsync($"/api/v1/cameras/{name}", new { stream_url = address }))
            {
                Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.OK), await set.Content.ReadAsStringAsync());
            }
            var masked = camera.RtspUrl.Replace("rtsp://", "rtsp://owner:***@", StringComparison.Ordinal);
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(camera.Agent.Log.Contains($"media: {masked} -> ", StringComparison.Ordinal))),
                Is.Not.Null, camera.Agent.Log);
            Assert.That(camera.Agent.Log, Does.Not.Contain("s3cret"));
            Assert.That((await VigilStack.ProbeAsync((await VigilStack.PlaybackAsync(owner, name)).Hls, TimeSpan.FromSeconds(30))).Frames, Is.GreaterThan(0));

            using (var other = await neighbour.GetAsync($"/api/v1/cameras/{name}/playback"))
            {
                Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another user's claimed camera is private");
            }
            using (var again = await neighbour.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin }))
            {
                Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a claimed camera cannot be claimed by another account");
            }
        }
    }
}
