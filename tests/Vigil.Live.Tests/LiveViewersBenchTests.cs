using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// The benchmark of `./build.sh bench live-viewers`: the streamer node's cost per WebRTC viewer. One
/// camera (H.264 640x360, 25 frames a second, one keyframe a second) published into nginx-rtmp; the
/// node's processes measured from /proc (CPU over a window, resident memory) with no feed, with the
/// camera's feed running and no viewer, then with 1, 10 and 50 WebRTC viewers (PeerConnections in
/// one Chromium page, see portal-web/e2e/webrtc-viewers.mjs). Prints the figures; asserts that every
/// viewer got video at the camera's rate and that the feeder copies the video (-c:v copy).
/// </summary>
[TestFixture, Explicit("a benchmark: ./build.sh bench live-viewers")]
public sealed class LiveViewersBenchTests : LiveBenchFixture
{
    private static readonly int[] Counts = [1, 10, 50];

    [Test]
    public async Task CpuAndMemoryPerViewer()
    {
        var window = TimeSpan.FromSeconds(int.Parse(Environment.GetEnvironmentVariable("VIGIL_LIVE_VIEWERS_SECONDS") ?? "20", CultureInfo.InvariantCulture));
        var webrtc = (await Stack.PlaybackAsync())["live"]!["webrtc"]!.GetValue<string>();
        var node = new Dictionary<string, int> { ["janus"] = Stack.Node.Janus.Pid, ["vigil-live"] = Stack.Node.Live.Pid };
        var rows = new List<(string Stage, Dictionary<string, (double Cpu, long Rss)> Sample)>
        {
            ("no feed", await SampleAsync(node, window)),
        };

        // The camera's feed alone: warmed, with no viewer.
        using (var http = new HttpClient())
        {
            var warm = await http.PostAsync(new Uri(webrtc.Replace("/webrtc?", "/webrtc/warm?", StringComparison.Ordinal)), null);
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await warm.Content.ReadAsStringAsync());
        }
        int? ffmpeg = null;
        await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult((ffmpeg = FeederOf(Stack.Node.Live.Pid)) is not null));
        Assert.That(ffmpeg, Is.Not.Null, "the warmed feed's ffmpeg: " + Stack.Logs());
        var cmdline = File.ReadAllText($"/proc/{ffmpeg}/cmdline").Replace('\0', ' ');
        Assert.That(cmdline, Does.Contain("-c:v copy"), "the feeder copies the camera's video: it is not re-encoded");
        node["ffmpeg"] = ffmpeg!.Value;
        await Task.Delay(3000);
        rows.Add(("feed, 0 viewers", await SampleAsync(node, window)));

        var dir = Directory.CreateTempSubdirectory("vigil-viewers-").FullName;
        var config = Stack.Config();
        config["webrtc"] = webrtc;
        config["counts"] = new JsonArray([.. Counts.Select(c => JsonValue.Create(c))]);
        config["dir"] = dir;
        var browser = Browser.RunAsync("webrtc-viewers", config, TimeSpan.FromMinutes(15));
        foreach (var count in Counts)
        {
            var ready = await Poll.WithinAsync(TimeSpan.FromMinutes(3), () => Task.FromResult(File.Exists(Path.Combine(dir, $"viewers-{count}")) || browser.IsCompleted));
            Assert.That(ready, Is.Not.Null, $"{count} viewers did not come");
            if (browser.IsCompleted)
            {
                Assert.Fail($"the viewers' page ended early: {(await browser).ToJsonString()}\n{Stack.Logs()}");
            }
            Assert.That(await Stack.Node.ViewersAsync(), Is.EqualTo(count), "the node counts the viewers the page opened");
            rows.Add(($"{count} viewers", await SampleAsync(node, window)));
            await File.WriteAllTextAsync(Path.Combine(dir, $"next-{count}"), "");
        }
        var r = await browser;
        Assert.That(r["error"], Is.Null, r.ToJsonString() + Stack.Logs());
        Assert.That(FeederOf(Stack.Node.Live.Pid), Is.EqualTo(ffmpeg), "one feeder for the camera, whatever the viewers");

        Figure($"live_viewers: one camera H.264 640x360 25 fps, GOP 25; {window.TotalSeconds:0} s per stage; video copied (ffmpeg -c:v copy), not re-encoded");
        Figure("live_viewers stage | janus CPU % RSS MiB | ffmpeg CPU % RSS MiB | vigil-live CPU % RSS MiB");
        foreach (var (stage, sample) in rows)
        {
            string Cell(string p) => sample.TryGetValue(p, out var s) ? string.Create(CultureInfo.InvariantCulture, $"{s.Cpu:0.0} % {s.Rss / 1048576.0:0.0}") : "-";
            Figure($"live_viewers {stage} | {Cell("janus")} | {Cell("ffmpeg")} | {Cell("vigil-live")}");
        }
        foreach (var stage in r["stages"]!.AsArray())
        {
            Figure($"live_viewers {stage!["viewers"]} viewers: each received at least {stage["min_fps"]} frames/s, {stage["mean_kbit_per_viewer"]} kbit/s on average");
            Assert.That(stage["min_fps"]!.GetValue<double>(), Is.GreaterThan(20), "every viewer got the camera's 25 frames a second");
        }
        var idle = rows.Single(x => x.Stage == "feed, 0 viewers").Sample;
        var full = rows.Single(x => x.Stage == $"{Counts[^1]} viewers").Sample;
        double Per(string p) => (full[p].Cpu - idle[p].Cpu) / Counts[^1];
        double PerRss(string p) => (full[p].Rss - idle[p].Rss) / 1024.0 / Counts[^1];
        Figure(string.Create(CultureInfo.InvariantCulture,
            $"live_viewers per viewer (0 -> {Counts[^1]}): janus {Per("janus"):0.00} % CPU {PerRss("janus"):0} KiB, vigil-live {Per("vigil-live"):0.00} % CPU {PerRss("vigil-live"):0} KiB, ffmpeg {Per("ffmpeg"):0.00} % CPU"));
    }

    /// <summary>CPU (percent of one core) over the window and resident memory at its end, per process.</summary>
    private static async Task<Dictionary<string, (double Cpu, long Rss)>> SampleAsync(Dictionary<string, int> pids, TimeSpan window)
    {
        var before = pids.ToDictionary(p => p.Key, p => ProcStatus.CpuTime(p.Value));
        var started = DateTime.UtcNow;
        await Task.Delay(window);
        var elapsed = DateTime.UtcNow - started;
        return pids.ToDictionary(p => p.Key,
            p => ((ProcStatus.CpuTime(p.Value) - before[p.Key]) / elapsed * 100, ProcStatus.ResidentBytes(p.Value)));
    }

    /// <summary>The ffmpeg that vigil-live runs as a camera's feeder, or null.</summary>
    private static int? FeederOf(int live)
    {
        foreach (var task in Directory.GetDirectories($"/proc/{live}/task"))
        {
            var children = File.Exists(Path.Combine(task, "children")) ? File.ReadAllText(Path.Combine(task, "children")) : "";
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (File.ReadAllText($"/proc/{child}/comm").Trim() == "ffmpeg")
                {
                    return int.Parse(child, CultureInfo.InvariantCulture);
                }
            }
        }
        return null;
    }
}
