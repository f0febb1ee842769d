using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Vigil.LoadTool;

/// <summary>
/// `bench archive`: a streamer node's archive. (1) The files of a camera-day and the bytes on disk
/// against the stream's own: a 4 Mbit/s H.264 + AAC stream written as FLV (the format nginx-rtmp's
/// record writes, tag for tag) with its index, at the shipped record_interval of 5 min. (2) A moment
/// 7 days back in an archive of 1,000 cameras x 7 days: the real layout and real indexes, 288 files a
/// camera-day, each a hard link to one short real recording (so that two million files fit a test
/// disk); vigil-archive answers archive-FROM-60.ts (time to its first byte) and ffmpeg decodes the
/// first frame of index-FROM-60.m3u8 (time to the first decoded frame, ffmpeg's own start included).
/// </summary>
public static partial class ArchiveBench
{
    private const int FilesPerDay = 288;

    public static async Task RunAsync(string archiveDll, int cameras, int days, int lookups, Action<string, string> figure)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-bench-archive-").FullName;
        try
        {
            await OverheadAsync(dir, archiveDll, figure).ConfigureAwait(false);
            await LookupAsync(dir, archiveDll, cameras, days, lookups, figure).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task OverheadAsync(string dir, string archiveDll, Action<string, string> figure)
    {
        var flv = Path.Combine(dir, "minute.flv");
        await FfmpegAsync(flv, seconds: 60, videoKbps: 4000).ConfigureAwait(false);
        // The stream's own bytes: every frame's codec payload, as ffprobe counts the packets.
        var (_, sizes) = await RunAsync("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "packet=size", "-of", "csv=p=0", flv]).ConfigureAwait(false);
        var payload = sizes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l.Trim().TrimEnd(','), CultureInfo.InvariantCulture));
        var idx = Path.Combine(dir, "minute.idx");
        await WriteIndexAsync(archiveDll, flv, idx).ConfigureAwait(false);
        var onDisk = new FileInfo(flv).Length + new FileInfo(idx).Length;
        figure("archive_files_per_camera_day", FilesPerDay.ToString(CultureInfo.InvariantCulture) + " (record_interval 5m; one more per publish that starts or ends)");
        figure("archive_stream_bytes_per_minute", payload.ToString(CultureInfo.InvariantCulture));
        figure("archive_disk_bytes_per_minute", onDisk.ToString(CultureInfo.InvariantCulture));
        figure("archive_overhead_percent", ((onDisk - payload) * 100.0 / payload).ToString("F2", CultureInfo.InvariantCulture));
    }

    private static async Task LookupAsync(string dir, string archiveDll, int cameras, int days, int lookups, Action<string, string> figure)
    {
        var sample = Path.Combine(dir, "sample.flv");
        await FfmpegAsync(sample, seconds: 4, videoKbps: 1000).ConfigureAwait(false);
        var sampleIdx = Path.Combine(dir, "sample.idx");
        await WriteIndexAsync(archiveDll, sample, sampleIdx).ConfigureAwait(false);
        var archive = Path.Combine(dir, "archive");
        var today = DateTime.UtcNow.Date;
        var build = Stopwatch.StartNew();
        long files = 0;
        string flvCopy = sample, idxCopy = sampleIdx;
        for (var c = 0; c < cameras; c++)
        {
            var camera = $"cam-{c:D4}";
            for (var d = 0; d <= days; d++)
            {
                var day = today.AddDays(-d);
                var dayDir = Path.Combine(archive, camera, day.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dayDir);
                for (var f = 0; f < FilesPerDay; f++)
                {
                    var name = day.AddMinutes(5 * f).ToString("HHmmss'-'fff", CultureInfo.InvariantCulture);
                    // ext4 allows 65,000 links to one file: a fresh copy of the pair every 60,000 recordings.
                    if (files % 60_000 == 0)
                    {
                        (flvCopy, idxCopy) = (Path.Combine(dir, $"sample-{files}.flv"), Path.Combine(dir, $"sample-{files}.idx"));
                        File.Copy(sample, flvCopy);
                        File.Copy(sampleIdx, idxCopy);
                    }
                    Link(flvCopy, Path.Combine(dayDir, name + ".flv"));
                    Link(idxCopy, Path.Combine(dayDir, name + ".idx"));
                    files++;
                }
            }
        }
        figure("archive_synthetic_files", $"{files} recordings ({cameras} cameras x {days + 1} days), laid out in {build.Elapsed.TotalSeconds:F0} s");
        // A depth past the synthetic days: the sweep at start must not delete what is looked up.
        var (service, recording) = await ArchiveService.StartAsync(archiveDll, Path.Combine(dir, "recording"), archive, "5m", "--DefaultDepthDays", "30").ConfigureAwait(false);
        await using (service.ConfigureAwait(false))
        {
            using var http = new HttpClient { BaseAddress = new Uri(recording.ServiceUrl), Timeout = TimeSpan.FromSeconds(30) };
            var random = new Random(7);
            var firstByte = new List<double>();
            var firstFrame = new List<double>();
            for (var i = 0; i < lookups; i++)
            {
                var camera = $"cam-{random.Next(cameras):D4}";
                // A moment 7 days back (to the five minutes), one second into that file.
                var back = DateTime.UtcNow.AddDays(-days).AddMinutes(-5 * random.Next(12));
                var at = new DateTimeOffset(back.Date.AddMinutes(5 * (int)(back.TimeOfDay.TotalMinutes / 5)).AddSeconds(1), TimeSpan.Zero).ToUnixTimeSeconds();
                var clock = Stopwatch.StartNew();
                using (var answer = await http.GetAsync($"/{camera}/archive-{at}-60.ts", HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false))
                {
                    await using var body = await answer.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    var one = new byte[1];
                    if (!answer.IsSuccessStatusCode || await body.ReadAsync(one).ConfigureAwait(false) != 1)
                    {
                        throw new InvalidOperationException($"{camera} at {at}: {(int)answer.StatusCode}");
                    }
                    firstByte.Add(clock.Elapsed.TotalMilliseconds);
                }
                clock.Restart();
                var (code, said) = await RunAsync("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", $"{recording.ServiceUrl}/{camera}/index-{at}-60.m3u8", "-frames:v", "1", "-f", "null", "-"]).ConfigureAwait(false);
                if (code != 0)
                {
                    throw new InvalidOperationException($"ffmpeg could not decode {camera} at {at}: {said}");
                }
                firstFrame.Add(clock.Elapsed.TotalMilliseconds);
            }
            figure("archive_7_days_back_first_byte_ms", Percentiles(firstByte));
            figure("archive_7_days_back_first_frame_ms", Percentiles(firstFrame) + " (ffmpeg's start included)");
        }
    }

    private static string Percentiles(List<double> values)
    {
        values.Sort();
        double At(double p) => values[Math.Min(values.Count - 1, (int)(p * values.Count))];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):F0}, p95 {At(0.95):F0}, max {values[^1]:F0} (n={values.Count})");
    }

    /// <summary>The index vigil-archive writes beside a recording, made by the service itself (vigil-archive index FLV IDX).</summary>
    private static async Task WriteIndexAsync(string archiveDll, string flv, string idx)
    {
        var (code, said) = await RunAsync("dotnet", [archiveDll, "index", flv, idx]).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException("vigil-archive index: " + said);
        }
    }

    private static async Task FfmpegAsync(string path, int seconds, int videoKbps)
    {
        var (code, said) = await RunAsync("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
            "-b:v", $"{videoKbps}k", "-maxrate", $"{videoKbps}k", "-bufsize", $"{videoKbps}k", "-c:a", "aac", "-b:a", "128k", "-f", "flv", path]).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException("ffmpeg: " + said);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        var text = await output.ConfigureAwait(false);
        return (process.ExitCode, process.ExitCode == 0 ? text : await errors.ConfigureAwait(false));
    }

    private static void Link(string existing, string path)
    {
        if (LinkFile(existing, path) != 0)
        {
            throw new IOException($"link {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkFile(string existing, string path);
}
