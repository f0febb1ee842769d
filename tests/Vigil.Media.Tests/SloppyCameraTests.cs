using Vigil.Stack;

namespace Vigil.Media.Tests;

/// <summary>
/// What sloppy cameras do, replayed by <see cref="FakeCamera"/> from RTP captured off the real
/// GStreamer camera, into nginx-rtmp: a clear log line, a reconnect where it helps, never a crash,
/// never unbounded memory, and what reaches the streamer still decodes.
/// nginx-rtmp runs the streamer node's shipped configuration; the portal is not part of what is
/// tested here, and the stand-in for its hook (<see cref="Vigil.Stack.AllowAllHook"/>) lets every publish on.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class SloppyCameraTests
{
    private Capture _capture = null!;

    [OneTimeSetUp]
    public async Task RecordRealRtp()
    {
        // Keyframes every second, audio too, so that several seconds hold several GOPs.
        var (camera, port) = await MediaEnv.StartCameraAsync("--keyint", "25", "--audio");
        await using (camera)
        {
            _capture = await Task.Run(() => Capture.Record($"rtsp://127.0.0.1:{port}/stream", TimeSpan.FromSeconds(4)));
        }
        Assert.That(_capture.Packets.Count(p => p.Channel == 0), Is.GreaterThan(100));
    }

    /// <summary>
    /// Streams from a fake camera with one fault for a while, then stops the agent; returns the run
    /// (still to dispose), the camera, the agent's peak resident memory and its last status.
    /// </summary>
    private async Task<(StreamRun Run, FakeCamera Camera, long PeakBytes, Func<string, long> Status)> Stream(Fault fault, int seconds = 10)
    {
        var camera = new FakeCamera(_capture, fault);
        var run = await StreamRun.StartForAsync(camera.Url, Streamer.NginxRtmp);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Assert.That(run.Agent.HasExited, Is.False, "the agent is still running\n" + run.Logs);
        var peak = MediaEnv.PeakResident(run.Agent.Pid);
        // The stats of the last second; the agent takes its media lines out of the status when it stops.
        await Task.Delay(1100);
        var status = MediaEnv.Status(run.Dir);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        camera.Dispose();
        return (run, camera, peak, key => long.Parse(status.Split('\n').First(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Verdict Decodes(StreamRun run, int framesSent, double share)
    {
        var verdict = run.Probe();
        TestContext.Out.WriteLine($"the fake camera sent {framesSent} video frames; the streamer wrote {verdict}");
        Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
        Assert.That(verdict.VideoFrames, Is.GreaterThanOrEqualTo((int)(framesSent * share)), verdict + "\n" + run.Logs);
        return verdict;
    }

    [Test]
    public async Task TheFakeCameraUnchangedIsForwardedWhole()
    {
        var (run, camera, _, status) = await Stream(Fault.None);
        await using var _ = run;
        // The first keyframe comes at once, and the last frame may still be on its way at the stop.
        Decodes(run, camera.FramesSent, 0.95);
        Assert.That(status("media_drops"), Is.Zero, run.Logs);
    }

    [Test]
    public async Task NoMarkerBitFramesEndAtTheNextTimestamp()
    {
        var (run, camera, _, status) = await Stream(Fault.NoMarkerBit);
        await using var _ = run;
        Decodes(run, camera.FramesSent, 0.95);
    }

    [Test]
    public async Task AnnexBStartCodesInsideNalUnitsAreSplit()
    {
        var (run, camera, _, status) = await Stream(Fault.AnnexBInsideNalUnits);
        await using var _ = run;
        Decodes(run, camera.FramesSent, 0.95);
        Assert.That(status("media_drops"), Is.Zero, run.Logs);
    }

    [Test]
    public async Task SequenceGapsDropToTheNextKeyframe()
    {
        var (run, camera, _, status) = await Stream(Fault.SequenceGaps);
        await using var _ = run;
        Assert.That(run.Agent.Output, Does.Contain("RTP sequence gap").And.Contain("waiting for the next keyframe"));
        Assert.That(status("media_drops"), Is.GreaterThan(0), run.Logs);
        var verdict = Decodes(run, camera.FramesSent, 0.2);
        Assert.That(verdict.VideoFrames, Is.LessThan(camera.FramesSent), "frames after a loss were dropped, not forwarded broken");
    }

    [Test]
    public async Task GarbageBetweenInterleavedFramesIsSkipped()
    {
        var (run, camera, _, status) = await Stream(Fault.GarbageInterleaved);
        await using var _ = run;
        Assert.That(run.Agent.Output, Does.Contain("bytes that were not RTSP or interleaved RTP"));
        // A '$' in the garbage announces a length that would swallow real frames: the agent checks
        // channel, payload type and SSRC, and reads on from the byte after it instead.
        Decodes(run, camera.FramesSent, 0.8);
    }

    [Test]
    public async Task ACameraThatCutsAFrameAndClosesIsReconnected()
    {
        var (run, camera, _, status) = await Stream(Fault.TruncatedAndClosed, seconds: 12);
        await using var _ = run;
        Assert.That(run.Agent.Output, Does.Contain("closed the connection in the middle of an item"));
        Assert.That(camera.Connections, Is.GreaterThanOrEqualTo(2), run.Logs);
        Assert.That(status("media_camera_reconnects"), Is.GreaterThanOrEqualTo(1), run.Logs);
        Assert.That(status("media_streamer_reconnects"), Is.Zero, run.Logs);
        Decodes(run, camera.FramesSent, 0.6);
    }

    [Test]
    public async Task ATenMegabyteFrameIsDroppedWithinBoundedMemory()
    {
        var (run, camera, peak, status) = await Stream(Fault.TenMegabyteFrame, seconds: 12);
        await using var _ = run;
        TestContext.Out.WriteLine($"agent peak resident memory: {peak / 1048576.0:F1} MiB");
        Assert.That(run.Agent.Output, Does.Contain($"a frame over {4 * 1024 * 1024} bytes: dropped, waiting for the next keyframe"));
        // Two 10 MB frames went by (one per loop of the capture); the agent held at most its 4 MiB cap of one.
        Assert.That(peak, Is.LessThan(32L * 1024 * 1024), run.Logs);
        Decodes(run, camera.FramesSent, 0.6);
    }

    [Test]
    public async Task NoParameterSetsAnywhereIsALogLineNotACrash()
    {
        var (run, _, _, _) = await Stream(Fault.NoParameterSetsAnywhere, seconds: 6);
        await using var _ = run;
        Assert.That(run.Agent.Output, Does.Contain("a keyframe without SPS/PPS, and none in the SDP or earlier in the stream"));
        Assert.That(File.Exists(run.Playlist), Is.False, "nothing undecodable was published");
    }

    [Test]
    public async Task ParameterSetsOnlyInTheSdpAreAddedToEveryKeyframe()
    {
        var (run, camera, _, status) = await Stream(Fault.NoInBandParameterSets);
        await using var _ = run;
        Decodes(run, camera.FramesSent, 0.95);
    }

    [Test]
    public async Task AnSdpWithoutParameterSetsIsServedFromTheStream()
    {
        var (run, camera, _, status) = await Stream(Fault.NoSdpParameterSets);
        await using var _ = run;
        Decodes(run, camera.FramesSent, 0.95);
    }
}
