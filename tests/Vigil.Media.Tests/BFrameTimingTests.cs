using System.Globalization;
using Vigil.Stack;

namespace Vigil.Media.Tests;

/// <summary>
/// A camera whose encoder sends B-frames (x264, Main profile), published by the agent over RTMP to
/// nginx-rtmp, which records the stream as it came. Every frame keeps its own presentation time,
/// decoding times go strictly forward, and ffmpeg decodes the recording without a timestamp warning.
/// nginx-rtmp runs the streamer node's shipped configuration; the portal is not part of what is
/// tested here, and the stand-in for its hook (<see cref="Vigil.Stack.AllowAllHook"/>) lets every publish on.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class BFrameTimingTests
{
    private const int Frames = 750; // 30 s at 25 fps
    private const long FrameMs = 40;

    [TestCase(2)]
    [TestCase(3)]
    public async Task BFramesKeepTheirTimesThroughRtmp(int bframes)
    {
        await using var run = await StreamRun.StartAsync(["--frames", $"{Frames}", "--bframes", $"{bframes}", "--audio"], Streamer.NginxRtmpRecording);
        var sent = MediaEnv.LastNumber(await run.Camera!.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(90)));
        await Task.Delay(1500);
        Assert.That(await run.StopAgentAsync(), Is.EqualTo(0), run.Logs);
        // record_unique on names the file after the time it began: the one recording of the stream.
        Assert.That(run.RecordingPath, Is.Not.Null, run.Logs);
        var recording = run.RecordingPath!;

        var packets = VideoPackets(recording);
        TestContext.Out.WriteLine($"camera sent {sent} frames; the recording holds {packets.Count} video packets; the first: {string.Join(' ', packets.Take(12).Select(p => $"{p.Pts}/{p.Dts}"))}");
        Assert.That(packets.Count, Is.InRange(sent * 0.98, sent * 1.02), run.Logs);
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.That(packets[i].Dts, Is.GreaterThan(packets[i - 1].Dts), $"decoding times strictly increase (packet {i})");
        }
        Assert.That(packets.All(p => p.Pts >= p.Dts), Is.True, "no frame is shown before it is decoded");
        // Frames come in decoding order, shown in another: the reordering is kept, not flattened.
        var reordered = Enumerable.Range(1, packets.Count - 1).Count(i => packets[i].Pts < packets[i - 1].Pts);
        Assert.That(reordered, Is.GreaterThan(packets.Count / (bframes + 1) / 2), "B-frames are shown before the frames sent ahead of them");
        Assert.That(packets.Count(p => p.Pts != p.Dts), Is.GreaterThan(packets.Count / (bframes + 1) / 2), "pts differs from dts where frames reorder");
        // In display order every frame has a time of its own, one frame time after the one before.
        var display = packets.Select(p => p.Pts).Order().ToList();
        var steps = Enumerable.Range(1, display.Count - 1).Select(i => display[i] - display[i - 1]).ToList();
        Assert.That(steps.Count(s => Math.Abs(s - FrameMs) > 1), Is.LessThanOrEqualTo(2), $"display order steps: {string.Join(',', steps.Where(s => Math.Abs(s - FrameMs) > 1).Take(20))}");

        var verdict = MediaEnv.Probe(recording);
        TestContext.Out.WriteLine(verdict.ToString());
        Assert.That(verdict.Clean, Is.True, verdict + "\n" + run.Logs);
        Assert.That(verdict.VideoFrames, Is.InRange(sent * 0.98, sent * 1.02), verdict.ToString());
        var (_, warnings) = AgentProcess.RunToEnd("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "warning", "-i", recording, "-f", "null", "-"]);
        var timeWarnings = warnings.Split('\n').Where(l => l.Contains("dts", StringComparison.OrdinalIgnoreCase) || l.Contains("timestamp", StringComparison.OrdinalIgnoreCase) || l.Contains("monoton", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.That(timeWarnings, Is.Empty, warnings);
    }

    /// <summary>The video packets of a file in the order stored, with their times in milliseconds (FLV's unit).</summary>
    private static List<(long Pts, long Dts)> VideoPackets(string file)
    {
        var (_, output) = AgentProcess.RunToEnd("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts,dts", "-of", "csv=p=0", file]);
        var packets = new List<(long, long)>();
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Trim().Split(',');
            if (parts.Length >= 2 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pts) && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var dts))
            {
                packets.Add((pts, dts));
            }
        }
        return packets;
    }
}
