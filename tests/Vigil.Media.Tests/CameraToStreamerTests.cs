using System.Text.RegularExpressions;

namespace Vigil.Media.Tests;

/// <summary>
/// The agent between a real camera (GStreamer's RTSP server) and real streamers (nginx-rtmp writing
/// HLS, ffmpeg taking an RTSP push). The verdict is ffprobe's on what the streamer wrote: every
/// frame decodes, and over 30 s the frame count and duration are within 2% of what the camera sent.
/// nginx-rtmp runs the streamer node's shipped configuration; the portal is not part of what is
/// tested here, and the stand-in for its hook (<see cref="Vigil.Stack.AllowAllHook"/>) lets every publish on.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class CameraToStreamerTests
{
    private const int Frames = 750; // 30 s at 25 fps
    private const double Fps = 25;

    private static void AssertWithin2Percent(Verdict verdict, int videoSent, int audioSent, string logs)
    {
        TestContext.Out.WriteLine($"camera sent {videoSent} video and {audioSent} audio frames; the streamer wrote {verdict}");
        Assert.That(verdict.Clean, Is.True, $"{verdict}\n{logs}");
        Assert.That(verdict.VideoFrames, Is.InRange(videoSent * 0.98, videoSent * 1.02), $"video frames against the {videoSent} the camera sent\n{verdict}\n{logs}");
        var seconds = videoSent / Fps;
        Assert.That(verdict.DurationSeconds, Is.InRange(seconds * 0.98, seconds * 1.02), $"duration against the camera's {seconds} s\n{verdict}\n{logs}");
        if (audioSent > 0)
        {
            Assert.That(verdict.AudioFrames, Is.InRange(audioSent * 0.98, audioSent * 1.02), $"audio frames against the {audioSent} the camera sent\n{verdict}\n{logs}");
        }
    }

    [Test]
    public async Task H264ThroughRtmpIntoNginxHls()
    {
        await using var run = await StreamRun.StartAsync(["--frames", $"{Frames}"], Streamer.NginxRtmp);
        var sent = MediaEnv.LastNumber(await run.Camera!.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(90)));
        await Task.Delay(1500);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        AssertWithin2Percent(run.Probe(), sent, 0, run.Logs);
        Assert.That(run.Agent.Output, Does.Contain("streamer: publishing to rtmp://127.0.0.1"));
    }

    [Test]
    public async Task H264AndAacThroughRtmpIntoNginxHls()
    {
        await using var run = await StreamRun.StartAsync(["--frames", $"{Frames}", "--audio"], Streamer.NginxRtmp);
        var video = MediaEnv.LastNumber(await run.Camera!.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(90)));
        var audio = MediaEnv.LastNumber(await run.Camera.WaitForLineAsync("eos audio ", TimeSpan.FromSeconds(10)));
        await Task.Delay(1500);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        AssertWithin2Percent(run.Probe(), video, audio, run.Logs);
    }

    [Test]
    public async Task DigestCameraThroughRtspRecordIntoFfmpeg()
    {
        await using var run = await StreamRun.StartAsync(["--frames", $"{Frames}", "--audio", "--digest", "viewer:s3cret-pass"], Streamer.FfmpegRtsp, credentials: "viewer:s3cret-pass");
        var video = MediaEnv.LastNumber(await run.Camera!.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(90)));
        var audio = MediaEnv.LastNumber(await run.Camera.WaitForLineAsync("eos audio ", TimeSpan.FromSeconds(10)));
        await Task.Delay(1500);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        AssertWithin2Percent(run.Probe(), video, audio, run.Logs);
        Assert.That(run.Agent.Output + MediaEnv.Status(run.Dir), Does.Not.Contain("s3cret-pass"), "the password is never logged");
        Assert.That(run.Agent.Output, Does.Contain("rtsp://viewer:***@127.0.0.1"));
    }

    [Test]
    public async Task H265AndG711ThroughRtspRecordIntoFfmpeg()
    {
        // Neither fits classic FLV; RTSP carries them as the camera sent them. 10 s is enough here.
        await using var run = await StreamRun.StartAsync(["--frames", "250", "--h265", "--pcmu"], Streamer.FfmpegRtspMatroska);
        var video = MediaEnv.LastNumber(await run.Camera!.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(60)));
        await Task.Delay(1500);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        var verdict = run.Probe();
        TestContext.Out.WriteLine($"camera sent {video} video frames; the streamer wrote {verdict}");
        Assert.That(verdict.Codecs, Is.EqualTo("hevc,pcm_mulaw"), verdict + "\n" + run.Logs);
        Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
        Assert.That(verdict.VideoFrames, Is.InRange(video * 0.98, video * 1.02), verdict + "\n" + run.Logs);
        Assert.That(verdict.AudioFrames, Is.GreaterThan(0));
    }

    [Test]
    public async Task H265IntoClassicRtmpIsRefusedOnceWithAReason()
    {
        // nginx-rtmp takes no H.265 (classic FLV has no codec for it): the agent says so once, in
        // its log and its status (which its stats carry to the relay), and does not dial again and again.
        await using var run = await StreamRun.StartAsync(["--h265", "--audio"], Streamer.NginxRtmp);
        Assert.That(await MediaEnv.WaitUntil(() => run.Status("media_streamer") == "refused", TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        Assert.That(run.Status("media_last_error"), Does.Contain("H265").And.Contain("cannot carry"), run.Logs);
        // Long enough for a few retries at the 1 s to 30 s backoff, had there been any.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.That(run.Status("media_streamer"), Is.EqualTo("refused"), run.Logs);
        Assert.That(run.StatusNumber("media_streamer_reconnects"), Is.EqualTo(0), run.Logs);
        Assert.That(Regex.Count(run.Agent.Output, "assignment refused"), Is.EqualTo(1), run.Logs);
        Assert.That(run.Agent.Output, Does.Not.Contain("publishing again"));
        Assert.That(run.Agent.Output, Does.Not.Contain("streamer: publishing to"), "nothing (not even audio alone) is published");
        Assert.That(run.Agent.HasExited, Is.False);
    }

    [Test]
    public async Task BasicAuthenticationCamera()
    {
        await using var run = await StreamRun.StartAsync(["--basic", "viewer:b4sic"], Streamer.NginxRtmp, credentials: "viewer:b4sic");
        Assert.That(await run.WaitForFramesOut(50, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        Assert.That(run.Agent.Output + MediaEnv.Status(run.Dir), Does.Not.Contain("b4sic"));
    }

    [Test]
    public async Task ARedirectIsFollowedWithTheCredentials()
    {
        var (camera, port) = await MediaEnv.StartCameraAsync("--digest", "viewer:m0ved");
        await using var _ = camera;
        using var redirector = new RtspRedirector($"rtsp://127.0.0.1:{port}/stream");
        await using var run = await StreamRun.StartForAsync($"rtsp://viewer:m0ved@127.0.0.1:{redirector.Port}/old", Streamer.NginxRtmp);
        Assert.That(await run.WaitForFramesOut(50, TimeSpan.FromSeconds(20)), Is.True, run.Logs + camera.Output);
        Assert.That(redirector.Redirects, Is.EqualTo(1));
        Assert.That(run.Agent.Output, Does.Contain($"302 redirect to rtsp://viewer:***@127.0.0.1:{port}/stream"));
        Assert.That(run.Agent.Output, Does.Not.Contain("m0ved"));
    }

    [Test]
    public async Task AWrongPasswordIsAClearErrorAndTheCameraIsNotHammered()
    {
        await using var run = await StreamRun.StartAsync(["--digest", "viewer:right"], Streamer.NginxRtmp, credentials: "viewer:wrong-one");
        Assert.That(await MediaEnv.WaitUntil(() => run.Agent.Output.Contains("401", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        await Task.Delay(5000);
        Assert.That(run.Agent.Output, Does.Contain("wrong user or password"));
        Assert.That(run.Agent.Output + MediaEnv.Status(run.Dir), Does.Not.Contain("wrong-one"));
        Assert.That(run.Status("media_last_error"), Does.Contain("401"));
        // One challenge answered per connection, and backoff between connections.
        var connections = run.Camera!.Lines("client connected").Count;
        Assert.That(connections, Is.InRange(2, 16), run.Logs);
        Assert.That(run.Agent.HasExited, Is.False);
    }

    [Test]
    public async Task KeepAlivesComeWithinAShortSessionTimeout()
    {
        // The camera ends sessions after 4 s without a request; the agent must keep this one alive.
        await using var run = await StreamRun.StartAsync(["--session-timeout", "4"], Streamer.NginxRtmp);
        Assert.That(await run.WaitForFramesOut(25, TimeSpan.FromSeconds(20)), Is.True, run.Logs);
        var before = run.StatusNumber("media_frames_in");
        await Task.Delay(13_000);
        var keepAlives = run.Camera!.Lines("request GET_PARAMETER").Count;
        Assert.That(keepAlives, Is.GreaterThanOrEqualTo(5), $"every 2 s over 13 s\n{run.Logs}");
        Assert.That(run.StatusNumber("media_frames_in") - before, Is.GreaterThan(250), run.Logs);
        Assert.That(run.StatusNumber("media_camera_reconnects"), Is.Zero, run.Logs);
        Assert.That(run.Camera.Lines("client connected"), Has.Count.EqualTo(1));
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0));
        Assert.That(await MediaEnv.WaitUntil(() => run.Camera.Lines("request TEARDOWN").Count == 1, TimeSpan.FromSeconds(5)), Is.True, "TEARDOWN on the way out\n" + run.Logs);
    }
}
