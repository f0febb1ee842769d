using System.Globalization;

namespace Vigil.LoadTool;

/// <summary>
/// `bench recording`: what recording costs a streamer node per camera. N cameras publish at once to
/// nginx-rtmp running the shipped templates (deploy/nginx-rtmp, HLS on as always) beside vigil-archive;
/// first with record off, then with record all, the same publishers each time. Over a fixed window
/// after every camera publishes: nginx's and vigil-archive's CPU (user + system, /proc/PID/stat) and
/// their resident memory at its end; the difference between the runs over N is the per-camera cost.
/// The publishers are light: one 720p H.264 + AAC clip encoded once, pushed by N ffmpeg with -re -c copy
/// (no encoder per camera on a 2-core machine). The portal is not part of the node and not measured:
/// its hook (on_publish, on_update every 2 s) is answered 200 by a bare Kestrel in this process (AllowAllHook), which
/// is what the portal answers a valid publish token; nginx does the same hook work in both runs.
/// </summary>
public static class RecordingBench
{
    public sealed record Options(string ArchiveDll, int Cameras, int Seconds, int VideoKbps, string Interval);

    private sealed record Window(double Seconds, double NginxCpu, double ArchiveCpu, long NginxRss, long ArchiveRss, long RecordedBytes, int Publishing, int PublishersRunning);

    public static async Task RunAsync(Options o, Action<string, string> figure)
    {
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        var dir = Directory.CreateTempSubdirectory("vigil-bench-recording-").FullName;
        try
        {
            figure("loadavg_at_start", File.ReadAllText("/proc/loadavg").Trim());
            await using var hook = await AllowAllHook.StartAsync().ConfigureAwait(false);
            var clip = Path.Combine(dir, "clip.flv");
            await using (var encode = PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error",
                             "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "30",
                             "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "2",
                             "-b:v", $"{o.VideoKbps}k", "-maxrate", $"{o.VideoKbps}k", "-bufsize", $"{o.VideoKbps}k", "-pix_fmt", "yuv420p",
                             "-c:a", "aac", "-b:a", "64k", "-f", "flv", clip]))
            {
                await Poll.WithinAsync(TimeSpan.FromMinutes(5), () => Task.FromResult(encode.HasExited)).ConfigureAwait(false);
            }
            figure("cameras", o.Cameras.ToString(CultureInfo.InvariantCulture));
            figure("stream", $"1280x720 25 fps H.264 {o.VideoKbps} kbit/s + AAC 64 kbit/s, {new FileInfo(clip).Length * 8 / 30 / 1000} kbit/s as published");
            figure("record_interval", o.Interval);
            var off = await RunOnceAsync(o, dir, clip, hook.Url, record: false).ConfigureAwait(false);
            var on = await RunOnceAsync(o, dir, clip, hook.Url, record: true).ConfigureAwait(false);
            foreach (var (name, w) in new[] { ("off", off), ("on", on) })
            {
                figure($"record_{name}_publishing", $"{w.Publishing} of {o.Cameras} ({w.PublishersRunning} publishers running at the end)");
                figure($"record_{name}_window_seconds", F(w.Seconds));
                figure($"record_{name}_nginx_cpu_percent_of_one_core", F(100 * w.NginxCpu / w.Seconds));
                figure($"record_{name}_archive_cpu_percent_of_one_core", F(100 * w.ArchiveCpu / w.Seconds));
                figure($"record_{name}_nginx_rss_mib", F(w.NginxRss / 1048576.0));
                figure($"record_{name}_archive_rss_mib", F(w.ArchiveRss / 1048576.0));
                figure($"record_{name}_written_mbit_per_s", F(w.RecordedBytes * 8 / 1e6 / w.Seconds));
            }
            var cpuOn = (on.NginxCpu + on.ArchiveCpu) / on.Seconds;
            var cpuOff = (off.NginxCpu + off.ArchiveCpu) / off.Seconds;
            figure("per_camera_cpu_percent_of_one_core", F(100 * (cpuOn - cpuOff) / o.Cameras, "F2"));
            figure("per_camera_nginx_cpu_percent_of_one_core", F(100 * (on.NginxCpu / on.Seconds - off.NginxCpu / off.Seconds) / o.Cameras, "F2"));
            figure("per_camera_archive_cpu_percent_of_one_core", F(100 * (on.ArchiveCpu / on.Seconds - off.ArchiveCpu / off.Seconds) / o.Cameras, "F2"));
            figure("per_camera_rss_mib", F((on.NginxRss + on.ArchiveRss - off.NginxRss - off.ArchiveRss) / 1048576.0 / o.Cameras, "F3"));
            figure("loadavg_at_end", File.ReadAllText("/proc/loadavg").Trim());
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A process still closing a file: the temp folder is left.
            }
        }
    }

    private static async Task<Window> RunOnceAsync(Options o, string dir, string clip, string hookUrl, bool record)
    {
        var run = Path.Combine(dir, record ? "on" : "off");
        var recordDir = Path.Combine(run, "recording");
        var (archive, recording) = await ArchiveService.StartAsync(o.ArchiveDll, recordDir, Path.Combine(run, "archive"), o.Interval).ConfigureAwait(false);
        await using var _ = archive;
        var rtmpPort = RelayProcess.FreePort();
        var (nginx, _) = await MediaPeers.StartNginxStreamerAsync(Path.Combine(run, "nginx"), rtmpPort, RelayProcess.FreePort(),
            hookUrl, archive: record ? recording : null).ConfigureAwait(false);
        await using var __ = nginx;
        var publishers = new List<PeerProcess>();
        try
        {
            for (var i = 0; i < o.Cameras; i++)
            {
                publishers.Add(PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                    "-c", "copy", "-f", "flv", $"rtmp://127.0.0.1:{rtmpPort}/live/rec-{i:D3}?token=bench"]));
            }
            var hls = Path.Combine(run, "nginx", "hls");
            int Publishing() => Directory.Exists(hls) ? Directory.GetFiles(hls, "index.m3u8", SearchOption.AllDirectories).Length : 0;
            if (await Poll.WithinAsync(TimeSpan.FromSeconds(90), () => Task.FromResult(Publishing() >= o.Cameras)).ConfigureAwait(false) is null)
            {
                throw new InvalidOperationException($"{Publishing()} of {o.Cameras} cameras reached nginx's HLS\n{string.Join('\n', publishers.Where(p => p.HasExited).Select(p => p.Output).Take(3))}");
            }
            // Settle: the first files opened, the first playlist rewrites done.
            await Task.Delay(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            var bytesBefore = Written(recordDir, Path.Combine(run, "archive"));
            var start = DateTime.UtcNow;
            var nginxBefore = ProcStatus.CpuTime(nginx.Pid);
            var archiveBefore = ProcStatus.CpuTime(archive.Pid);
            await Task.Delay(TimeSpan.FromSeconds(o.Seconds)).ConfigureAwait(false);
            var nginxCpu = ProcStatus.CpuTime(nginx.Pid) - nginxBefore;
            var archiveCpu = ProcStatus.CpuTime(archive.Pid) - archiveBefore;
            var seconds = (DateTime.UtcNow - start).TotalSeconds;
            return new Window(seconds, nginxCpu.TotalSeconds, archiveCpu.TotalSeconds, ProcStatus.ResidentBytes(nginx.Pid), ProcStatus.ResidentBytes(archive.Pid),
                Written(recordDir, Path.Combine(run, "archive")) - bytesBefore, Publishing(), publishers.Count(p => !p.HasExited));
        }
        finally
        {
            foreach (var p in publishers)
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The bytes of the recordings, being written and filed.</summary>
    private static long Written(params string[] dirs) =>
        dirs.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*.flv", SearchOption.AllDirectories)).Sum(f => new FileInfo(f).Length);
}
