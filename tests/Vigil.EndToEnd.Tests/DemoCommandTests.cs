using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vigil.Stack;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// vigil-demo, which `./build.sh demo` runs, as a user runs it: it says where to look only once the
/// camera really plays, its streamer node records (the camera page's timeline has a range to show),
/// and when it is stopped (by itself with --until-playing, or by Ctrl-C's SIGINT) nothing it started
/// is left running.
/// </summary>
public sealed class DemoCommandTests
{
    [SetUp]
    public void Peers() => EndToEnd.RequirePeers();

    private static PeerProcess StartDemo(string state, params string[] extra) =>
        PeerProcess.Start("vigil-demo", "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "vigil-demo.dll"), "--agent", AgentBinary.Aot(), "--camera-script", MediaPeers.CameraScript,
             "--state", state, "--free-ports", .. extra]);

    [Test]
    public async Task UntilPlayingSaysWhereToWatchAndLeavesNothingRunning()
    {
        var state = EndToEnd.Options("demo").StateDir;
        await using var demo = StartDemo(state, "--until-playing");
        await demo.WaitForLineAsync("stopping the demo", TimeSpan.FromSeconds(90));
        await demo.StopAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.That(demo.ExitCode, Is.Zero, demo.Output);
        var output = demo.Output;
        Assert.That(output, Does.Contain("playing (ffprobe decoded frames of the HLS"));
        Assert.That(output, Does.Match(@"login +admin / \S{8,}"));
        Assert.That(output, Does.Match(@"watch \(HLS\) ffplay ""http://127\.0\.0\.1:\d+/demo-camera/index\.m3u8\?token=pt1\."));
        Assert.That(output, Does.Match(@"MPEG-TS +vlc ""http://127\.0\.0\.1:\d+/demo-camera/mpegts\?token=pt1\."));
        Assert.That(output, Does.Match(@"\n +ffplay ""http://127\.0\.0\.1:\d+/demo-camera/mpegts\?token=pt1\."));
        Assert.That(File.ReadAllText(Path.Combine(state, "logs", "portal.log")), Does.Contain("publish of 'demo-camera' from 127.0.0.1 allowed"));
        Assert.That(EndToEnd.ProcessesNaming(state), Is.Empty, "the portal, nginx or the agent left running");
        Directory.Delete(state, recursive: true);
    }

    [Test]
    public async Task CtrlCStopsEverythingItStarted()
    {
        var state = EndToEnd.Options("demo").StateDir;
        await using var demo = StartDemo(state);
        await demo.WaitForLineAsync("Vigil demo is running (Ctrl-C stops it)", TimeSpan.FromSeconds(90));
        // What the camera page's timeline reads: recording_status.json from the streamer, with the archive token the portal gives.
        var ranges = await RecordedRangesAsync(await demo.WaitForLineAsync("  portal ", TimeSpan.FromSeconds(5)), demo.Output, TimeSpan.FromSeconds(60));
        Assert.That(ranges, Is.Not.Empty, "the demo's streamer node recorded nothing the timeline can show");
        Assert.That(ranges[0]!["duration"]!.GetValue<long>(), Is.GreaterThan(0), ranges.ToJsonString());
        var started = EndToEnd.Descendants(demo.Pid);
        Assert.That(started.Values, Has.Some.Contains("vigil-portal.dll").And.Some.Contains("nginx").And.Some.Contains("camera.py").And.Some.Contains("vigil-agent").And.Some.Contains("vigil-archive.dll"),
            "the portal, nginx, vigil-archive, the camera and the agent run below the demo");
        // What a terminal's Ctrl-C sends.
        await demo.StopAsync(signal: 2, timeout: TimeSpan.FromSeconds(30));
        Assert.That(demo.ExitCode, Is.Zero, demo.Output);
        Assert.That(demo.Output, Does.Contain("stopping the demo"));
        var left = started.Where(p => EndToEnd.CommandLine(p.Key) == p.Value).Select(p => $"{p.Key}: {p.Value}").ToList();
        Assert.That(left, Is.Empty, "processes the demo left running");
        Assert.That(EndToEnd.ProcessesNaming(state), Is.Empty);
        Directory.Delete(state, recursive: true);
    }

    /// <summary>
    /// Logs in as the admin the demo printed, asks the portal for the demo camera's playback and polls
    /// its recording_status.json on the streamer until it lists a range of the camera (or the time is up);
    /// the camera's ranges, empty when none came.
    /// </summary>
    private static async Task<JsonArray> RecordedRangesAsync(string portalLine, string output, TimeSpan limit)
    {
        var portal = new Uri(Regex.Match(portalLine, @"http://\S+/").Value);
        var password = Regex.Match(output, @"login +admin / (\S+)").Groups[1].Value;
        using var api = new HttpClient { BaseAddress = portal, Timeout = TimeSpan.FromSeconds(10) };
        using var login = await api.PostAsJsonAsync("/api/v1/auth/login", new { login = "admin", password });
        Assert.That(login.IsSuccessStatusCode, Is.True, await login.Content.ReadAsStringAsync());
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonNode.Parse(await login.Content.ReadAsStringAsync())!["token"]!.GetValue<string>());
        var playback = JsonNode.Parse(await api.GetStringAsync("/api/v1/cameras/demo-camera/playback"))!;
        var status = playback["archive"]?["recording_status"]?.GetValue<string>();
        Assert.That(status, Is.Not.Null, $"the portal gives the demo camera no archive: {playback.ToJsonString()}");
        using var streamer = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ranges = new JsonArray();
        var said = "";
        await Poll.WithinAsync(limit, async () =>
        {
            using var answer = await streamer.GetAsync(status);
            said = $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}";
            if (answer.IsSuccessStatusCode && JsonNode.Parse(said[4..]) is JsonArray streams
                && streams.FirstOrDefault(s => s?["stream"]?.GetValue<string>() == "demo-camera")?["ranges"] is JsonArray found && found.Count > 0)
            {
                ranges = found;
                return true;
            }
            return false;
        });
        TestContext.Out.WriteLine($"recording_status.json: {said}");
        return ranges;
    }
}
