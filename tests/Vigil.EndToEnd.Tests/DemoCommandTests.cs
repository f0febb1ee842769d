using Vigil.LoadTool;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// `vigil-load demo`, which `./build.sh demo` runs, as a user runs it: it says where to look only once
/// the camera really plays, and when it is stopped (by itself with --until-playing, or by Ctrl-C's
/// SIGINT) nothing it started is left running.
/// </summary>
public sealed class DemoCommandTests
{
    [SetUp]
    public void Peers() => EndToEnd.RequirePeers();

    private static PeerProcess StartDemo(string state, params string[] extra) =>
        PeerProcess.Start("vigil-load demo", "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "vigil-load.dll"), "demo", "--agent", EndToEnd.Agent(), "--camera-script", EndToEnd.CameraScript,
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
        var started = EndToEnd.Descendants(demo.Pid);
        Assert.That(started.Values, Has.Some.Contains("vigil-portal.dll").And.Some.Contains("nginx").And.Some.Contains("camera.py").And.Some.Contains("vigil-agent"),
            "the portal, nginx, the camera and the agent run below the demo");
        // What a terminal's Ctrl-C sends.
        await demo.StopAsync(signal: 2, timeout: TimeSpan.FromSeconds(30));
        Assert.That(demo.ExitCode, Is.Zero, demo.Output);
        Assert.That(demo.Output, Does.Contain("stopping the demo"));
        var left = started.Where(p => EndToEnd.CommandLine(p.Key) == p.Value).Select(p => $"{p.Key}: {p.Value}").ToList();
        Assert.That(left, Is.Empty, "processes the demo left running");
        Assert.That(EndToEnd.ProcessesNaming(state), Is.Empty);
        Directory.Delete(state, recursive: true);
    }
}
