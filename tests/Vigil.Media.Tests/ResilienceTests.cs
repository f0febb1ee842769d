namespace Vigil.Media.Tests;

/// <summary>
/// Each side of the agent reconnects on its own: a streamer restart does not restart the camera
/// session, and a camera restart does not restart the publish.
/// nginx-rtmp runs the streamer node's shipped configuration; the portal is not part of what is
/// tested here, and the stand-in for its hook (<see cref="Vigil.Stack.AllowAllHook"/>) lets every publish on.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class ResilienceTests
{
    [Test]
    public async Task AStreamerRestartDoesNotRestartTheCameraSession()
    {
        await using var run = await StreamRun.StartAsync(["--audio"], Streamer.NginxRtmp);
        Assert.That(await run.WaitForFramesOut(100, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        var port = run.TargetPort;
        await run.Target.StopAsync();
        await Task.Delay(3000);
        Assert.That(run.Status("media_streamer"), Is.EqualTo("reconnecting").Or.EqualTo("waiting for a keyframe").Or.EqualTo("connecting"), run.Logs);
        await run.Target.DisposeAsync();
        await run.StartStreamerAsync(port);
        var before = run.StatusNumber("media_frames_out");
        Assert.That(await MediaEnv.WaitUntil(() => run.Status("media_streamer") == "publishing" && run.StatusNumber("media_frames_out") > before + 400, TimeSpan.FromSeconds(40)), Is.True, run.Logs);
        Assert.That(run.StatusNumber("media_streamer_reconnects"), Is.GreaterThanOrEqualTo(1), run.Logs);
        Assert.That(run.StatusNumber("media_camera_reconnects"), Is.Zero, run.Logs);
        Assert.That(run.Camera!.Lines("client connected"), Has.Count.EqualTo(1), "one camera session throughout\n" + run.Logs);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0));
        var verdict = run.Probe();
        Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
        // What the restarted nginx wrote (its playlist starts over): the stream after the outage.
        Assert.That(verdict.VideoFrames, Is.GreaterThan(100), verdict + "\n" + run.Logs);
    }

    [Test]
    public async Task AStalledStreamerMakesTheQueueDropToAKeyframeWithinBoundedMemory()
    {
        // About 24 Mbit/s of video (x264 on noise) while nginx is frozen for 8 s: more than the socket
        // buffers and the agent's queue hold, and less than the 10 s after which a stuck send gives up.
        await using var run = await StreamRun.StartAsync(["--pattern", "snow", "--kbps", "24000", "--keyint", "25"], Streamer.NginxRtmp);
        Assert.That(await run.WaitForFramesOut(50, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        _ = Stack.Posix.Kill(run.Target.Pid, Stack.Posix.SigStop);
        await Task.Delay(8000);
        _ = Stack.Posix.Kill(run.Target.Pid, Stack.Posix.SigCont);
        var after = run.StatusNumber("media_frames_out");
        Assert.That(await run.WaitForFramesOut(after + 100, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        var peak = MediaEnv.PeakResident(run.Agent.Pid);
        TestContext.Out.WriteLine($"agent peak resident memory: {peak / 1048576.0:F1} MiB, drops {run.StatusNumber("media_drops")}");
        Assert.That(run.Agent.Output, Does.Contain("falling behind").And.Contain("dropping up to the next keyframe"));
        Assert.That(run.Agent.Output.Split('\n').Count(l => l.Contains("falling behind", StringComparison.Ordinal)), Is.LessThanOrEqualTo(2), "one warning per 10 s, not one per keyframe");
        Assert.That(run.StatusNumber("media_drops"), Is.GreaterThan(0));
        Assert.That(peak, Is.LessThan(32L * 1024 * 1024), "the queue is bounded");
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0));
        var verdict = run.Probe();
        Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
    }

    [Test]
    public async Task ACameraRestartDoesNotRestartThePublish()
    {
        var (camera, cameraPort) = await MediaEnv.StartCameraAsync("--audio");
        await using var run = await StreamRun.StartForAsync($"rtsp://127.0.0.1:{cameraPort}/stream", Streamer.FfmpegRtsp);
        try
        {
            Assert.That(await run.WaitForFramesOut(300, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
            // A crash, not a goodbye.
            await camera.StopAsync(Stack.Posix.SigKill);
            await camera.DisposeAsync();
            var before = run.StatusNumber("media_frames_in");
            await Task.Delay(2000);
            (camera, _) = await MediaEnv.StartCameraAsync("--audio", "--port", $"{cameraPort}");
            Assert.That(await MediaEnv.WaitUntil(() => run.Status("media_camera") == "playing" && run.StatusNumber("media_frames_in") > before + 300, TimeSpan.FromSeconds(60)), Is.True, run.Logs + camera.Output);
            // ffmpeg takes one publisher and ends when it goes: still running means the publish never dropped.
            Assert.That(run.Target.HasExited, Is.False, run.Logs);
            Assert.That(run.StatusNumber("media_streamer_reconnects"), Is.Zero, run.Logs);
            Assert.That(run.StatusNumber("media_camera_reconnects"), Is.GreaterThanOrEqualTo(1), run.Logs);
            Assert.That(await run.StopAgentAsync(), Is.EqualTo(0));
            var verdict = run.Probe();
            Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
            // Both camera sessions (about 4 s each), on one timeline that spans the time between them too.
            Assert.That(verdict.VideoFrames, Is.GreaterThan(170), verdict + "\n" + run.Logs);
            Assert.That(verdict.DurationSeconds, Is.GreaterThan(verdict.VideoFrames / 25.0 + 1.5), verdict + "\n" + run.Logs);
        }
        finally
        {
            await camera.DisposeAsync();
        }
    }
}
