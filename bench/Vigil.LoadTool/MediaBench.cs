using System.Globalization;

namespace Vigil.LoadTool;

/// <summary>
/// `bench media`: the AOT agent and `ffmpeg -c copy` doing the same remux (the camera's 1080p
/// H.264 over RTSP into RTMP, nginx-rtmp as a streamer node runs it taking both), side by side in the same run, from one
/// shared GStreamer camera. Measured on the agent and ffmpeg processes only (the camera's x264
/// encoder and nginx use CPU too): CPU seconds from /proc/PID/stat, peak resident memory (VmHWM).
/// </summary>
public static class MediaBench
{
    public static async Task RunAsync(string agentBinary, int seconds, int kbps, Action<string, string> figure)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-bench-media-").FullName;
        try
        {
            var script = MediaPeers.CameraScript;
            var (camera, cameraPort) = await MediaPeers.StartCameraAsync(script,
                "--port", "0", "--width", "1920", "--height", "1080", "--fps", "25", "--kbps", $"{kbps}", "--keyint", "50", "--cbr", "--shared").ConfigureAwait(false);
            await using var _ = camera;
            // The streamer node's nginx as shipped; the portal is not measured, and the stand-in for its
            // hook lets both publishers on.
            await using var nginx = await OpenStreamer.StartAsync(Path.Combine(dir, "nginx")).ConfigureAwait(false);
            var nginxPort = nginx.RtmpPort;
            var source = $"rtsp://127.0.0.1:{cameraPort}/stream";
            var agentDir = Path.Combine(dir, "agent");
            Directory.CreateDirectory(agentDir);
            await using var agent = AgentProcess.Start(agentBinary, agentDir, new AgentConfigFile
            {
                StateDir = Path.Combine(agentDir, "state"), Source = source, Publish = $"rtmp://127.0.0.1:{nginxPort}/live/agent", StatsInterval = TimeSpan.FromSeconds(5),
            });
            var ffmpeg = PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg",
                ["-hide_banner", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", source, "-c", "copy", "-f", "flv", $"rtmp://127.0.0.1:{nginxPort}/live/ffmpeg"]);
            await using var ___ = ffmpeg;

            // Both streaming before the clock starts: connections made, first keyframes through.
            await Task.Delay(TimeSpan.FromSeconds(8)).ConfigureAwait(false);
            if (agent.HasExited || ffmpeg.HasExited)
            {
                throw new InvalidOperationException($"a remuxer stopped early\nagent:\n{agent.Log}\nffmpeg:\n{ffmpeg.Output}");
            }
            var agentCpu = ProcStatus.CpuTime(agent.Pid);
            var ffmpegCpu = ProcStatus.CpuTime(ffmpeg.Pid);
            var framesOut = StatusNumber(agentDir, "media_frames_out");
            await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
            var agentSeconds = (ProcStatus.CpuTime(agent.Pid) - agentCpu).TotalSeconds;
            var ffmpegSeconds = (ProcStatus.CpuTime(ffmpeg.Pid) - ffmpegCpu).TotalSeconds;
            var status = File.ReadAllText(Path.Combine(agentDir, "state", "status"));

            figure("seconds", seconds.ToString(CultureInfo.InvariantCulture));
            figure("camera", $"1920x1080 25 fps H.264, x264 CBR {kbps} kbit/s with filler data");
            figure("agent_bitrate_kbps", StatusValue(status, "media_bitrate_kbps"));
            figure("agent_fps", StatusValue(status, "media_fps"));
            figure("agent_frames_out", (StatusNumber(agentDir, "media_frames_out") - framesOut).ToString(CultureInfo.InvariantCulture));
            figure("agent_drops", StatusValue(status, "media_drops"));
            figure("agent_cpu_seconds", agentSeconds.ToString("F2", CultureInfo.InvariantCulture));
            figure("ffmpeg_cpu_seconds", ffmpegSeconds.ToString("F2", CultureInfo.InvariantCulture));
            figure("cpu_ratio_agent_over_ffmpeg", (agentSeconds / Math.Max(0.01, ffmpegSeconds)).ToString("F3", CultureInfo.InvariantCulture));
            figure("agent_peak_rss_mib", (ProcStatus.PeakResidentBytes(agent.Pid) / 1048576.0).ToString("F2", CultureInfo.InvariantCulture));
            figure("agent_rss_mib", (ProcStatus.ResidentBytes(agent.Pid) / 1048576.0).ToString("F2", CultureInfo.InvariantCulture));
            figure("ffmpeg_peak_rss_mib", (ProcStatus.PeakResidentBytes(ffmpeg.Pid) / 1048576.0).ToString("F2", CultureInfo.InvariantCulture));
            foreach (var warning in agent.Log.Split('\n').Where(l => l.Contains(" warn ", StringComparison.Ordinal)))
            {
                figure("agent_warning", warning.Trim());
            }
            await agent.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string StatusValue(string status, string key) =>
        status.Split('\n').FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..] ?? "";

    private static long StatusNumber(string agentDir, string key)
    {
        var path = Path.Combine(agentDir, "state", "status");
        return File.Exists(path) && long.TryParse(StatusValue(File.ReadAllText(path), key), CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
