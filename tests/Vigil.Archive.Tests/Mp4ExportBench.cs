using System.Diagnostics;
using System.Globalization;
using Vigil.Archive.Export;

namespace Vigil.Archive.Tests;

/// <summary>
/// The benchmark of `./build.sh bench export`, not a test of the suite (explicit: run by that name
/// only): the MP4 export of one hour of a 4 Mbit/s camera against `ffmpeg -c copy` of the same hour,
/// in the same run, each file to file on the same disk, five times each, taking turns at going first, after a sync. The hour is a
/// synthetic FLV of 720p H.264 (x264 ultrafast, CBR 4 Mbit/s, B-frames, a keyframe a second) and
/// AAC, made once and kept in artifacts/bench-cache (a quarter of an hour encoded, four times over). Prints the medians, their ratio and the
/// export's allocations and peak managed heap.
/// </summary>
[TestFixture, Explicit("a benchmark: ./build.sh bench export")]
public sealed class Mp4ExportBench
{
    private const int Runs = 5;

    [Test]
    public async Task AnHourOfA4MbitCameraAgainstFfmpegCopy()
    {
        var cache = Path.Combine(MediaRoot(), "artifacts", "bench-cache");
        Directory.CreateDirectory(cache);
        var flv = Path.Combine(cache, "hour-720p-4mbit.flv");
        if (!File.Exists(flv))
        {
            // A quarter of an hour encoded, then four copies of it one after another with their times
            // running on (ffmpeg's concat, no re-encoding): an hour's bytes and frames at a quarter of
            // the encoding time, which on a shared 2-core machine is most of the benchmark's.
            var quarter = Path.Combine(cache, "quarter-720p-4mbit.flv");
            if (!File.Exists(quarter))
            {
                await Tools.RunLongAsync(TimeSpan.FromMinutes(40), "/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "900", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
                    "-b:v", "4M", "-minrate", "4M", "-maxrate", "4M", "-bufsize", "4M", "-x264-params", "nal-hrd=cbr",
                    "-c:a", "aac", "-b:a", "64k", "-f", "flv", quarter + ".part");
                File.Move(quarter + ".part", quarter);
            }
            var list = Path.Combine(cache, "hour.txt");
            await File.WriteAllLinesAsync(list, Enumerable.Repeat($"file '{quarter}'", 4));
            await Tools.RunLongAsync(TimeSpan.FromMinutes(10), "/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-f", "flv", flv + ".part");
            File.Move(flv + ".part", flv);
        }
        var size = new FileInfo(flv).Length;
        var ours = Path.Combine(cache, "export-vigil.mp4");
        var theirs = Path.Combine(cache, "export-ffmpeg.mp4");
        var exportTimes = new List<double>();
        var ffmpegTimes = new List<double>();
        long allocated = 0;
        long peakHeap = 0;
        for (var run = 0; run < Runs; run++)
        {
            // Each run starts with nothing left to write back from the one before (sync, not timed),
            // and the two take turns going first: the disk is shared, and whoever follows a 1.8 GB
            // write would otherwise pay for it.
            foreach (var ffmpegFirst in run % 2 == 0 ? new[] { true, false } : [false, true])
            {
                await Tools.RunAsync("/usr/bin/sync");
                if (ffmpegFirst)
                {
                    var watch = Stopwatch.StartNew();
                    await Tools.RunLongAsync(TimeSpan.FromMinutes(10), "/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", flv, "-c", "copy", "-f", "mp4", theirs);
                    ffmpegTimes.Add(watch.Elapsed.TotalSeconds);
                    continue;
                }
                GC.Collect();
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                using (var sampler = new HeapSampler())
                {
                    var plan = await Mp4Export.PlanAsync(Mp4ExportTests.TagsOf(flv, 1_700_000_000_000), CancellationToken.None);
                    await using (var file = new FileStream(ours, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        await Mp4Export.WriteAsync(plan!, Mp4ExportTests.TagsOf(flv, 1_700_000_000_000), file, CancellationToken.None);
                    }
                    exportTimes.Add(clock.Elapsed.TotalSeconds);
                    peakHeap = Math.Max(peakHeap, sampler.Peak);
                }
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            }
        }
        var duration = double.Parse((await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", ours)).Trim(), CultureInfo.InvariantCulture);
        exportTimes.Sort();
        ffmpegTimes.Sort();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"export_1h_4mbit: flv={size / 1e6:0} MB mp4={new FileInfo(ours).Length / 1e6:0} MB (ffmpeg's {new FileInfo(theirs).Length / 1e6:0} MB) duration={duration:0.0} s; " +
            $"vigil median={exportTimes[Runs / 2]:0.00} s (runs {string.Join(", ", exportTimes.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}), " +
            $"ffmpeg -c copy median={ffmpegTimes[Runs / 2]:0.00} s (runs {string.Join(", ", ffmpegTimes.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}), " +
            $"ratio={exportTimes[Runs / 2] / ffmpegTimes[Runs / 2]:0.00}x; allocated={allocated / 1e6:0} MB, peak managed heap={peakHeap / 1e6:0} MB");
        TestContext.Out.WriteLine(line);
        Console.WriteLine(line);
        Assert.That(duration, Is.EqualTo(3600).Within(2), "the export holds the hour");
    }

    private static string MediaRoot() => Vigil.Stack.Repository.Root;

    /// <summary>The managed heap's size, sampled every 20 ms while an export runs.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public HeapSampler() => _timer = new Timer(_ => Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), GC.GetTotalMemory(false))), null, 0, 20);

        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose() => _timer.Dispose();
    }
}
