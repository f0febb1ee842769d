using Vigil.Stack;

namespace Vigil.Media.Tests;

/// <summary>
/// Where a run publishes: nginx-rtmp (HLS out) or ffmpeg listening for an RTSP push. nginx-rtmp runs
/// the streamer node's configuration as shipped (<see cref="OpenStreamer"/>); the portal is not part
/// of what these tests check, and the stand-in for its hook lets every publish on.
/// </summary>
internal enum Streamer
{
    NginxRtmp,
    FfmpegRtsp,

    /// <summary>ffmpeg into Matroska, which holds what MPEG-TS does not (G.711).</summary>
    FfmpegRtspMatroska,

    /// <summary>nginx-rtmp that also records each stream as it came (FLV), decoding times and all.</summary>
    NginxRtmpRecording,
}

/// <summary>
/// One camera-to-streamer run with real processes: a camera (the GStreamer one, or any RTSP URL),
/// a streamer, and the agent under test between them, in a directory of its own.
/// </summary>
internal sealed class StreamRun : IAsyncDisposable
{
    public const string StreamName = "cam";

    private StreamRun(string dir, Streamer streamer) => (Dir, Kind) = (dir, streamer);

    public string Dir { get; }
    public Streamer Kind { get; }
    public PeerProcess? Camera { get; private set; }
    public PeerProcess Target { get; private set; } = null!;
    /// <summary>nginx-rtmp with its stand-in hook, when the run publishes to nginx.</summary>
    public OpenStreamer? Nginx { get; private set; }
    public int TargetPort { get; private set; }
    public PeerProcess Agent { get; private set; } = null!;
    /// <summary>nginx-rtmp's HLS playlist of the stream (the node's layout: hls/NAME/index.m3u8).</summary>
    public string Playlist => Nginx?.Playlist(StreamName) ?? throw new InvalidOperationException("the run publishes to ffmpeg, not nginx-rtmp");
    public string FfmpegOutput => Path.Combine(Dir, Kind == Streamer.FfmpegRtspMatroska ? "received.mkv" : "received.ts");

    public bool IsNginx => Kind is Streamer.NginxRtmp or Streamer.NginxRtmpRecording;

    /// <summary>nginx-rtmp's recording of the stream (<see cref="Streamer.NginxRtmpRecording"/>), null if it wrote none.</summary>
    public string? RecordingPath => Nginx?.Recording(StreamName);

    public string PublishUrl => IsNginx
        ? $"rtmp://127.0.0.1:{TargetPort}/live/{StreamName}"
        : $"rtsp://127.0.0.1:{TargetPort}/live/{StreamName}";

    /// <summary>Starts the GStreamer camera with these options, the streamer, then the agent.</summary>
    public static async Task<StreamRun> StartAsync(string[] cameraOptions, Streamer streamer, string? credentials = null)
    {
        var run = new StreamRun(MediaEnv.TempDir(), streamer);
        var (camera, port) = await MediaEnv.StartCameraAsync(cameraOptions);
        run.Camera = camera;
        await run.StartStreamerAsync();
        var userInfo = credentials is null ? "" : credentials + "@";
        run.StartAgent($"rtsp://{userInfo}127.0.0.1:{port}/stream");
        return run;
    }

    /// <summary>The streamer and the agent for a camera that is already there.</summary>
    public static async Task<StreamRun> StartForAsync(string source, Streamer streamer)
    {
        var run = new StreamRun(MediaEnv.TempDir(), streamer);
        await run.StartStreamerAsync();
        run.StartAgent(source);
        return run;
    }

    public async Task StartStreamerAsync(int port = 0)
    {
        if (IsNginx)
        {
            if (Nginx is not null)
            {
                await Nginx.DisposeAsync();
            }
            // The playlist keeps the whole run, which Probe joins and counts.
            Nginx = await OpenStreamer.StartAsync(Path.Combine(Dir, "nginx"), port, OpenStreamer.WholeRunSeconds, record: Kind == Streamer.NginxRtmpRecording);
            (Target, TargetPort) = (Nginx.Nginx, Nginx.RtmpPort);
        }
        else
        {
            TargetPort = port == 0 ? RelayProcess.FreePort() : port;
            Target = MediaPeers.StartFfmpegRtspListen(TargetPort, $"/live/{StreamName}", FfmpegOutput, Kind == Streamer.FfmpegRtspMatroska ? "matroska" : "mpegts");
            // ffmpeg prints nothing until a publisher comes: give it a moment to listen.
            await Task.Delay(500);
        }
    }

    private void StartAgent(string source) =>
        Agent = MediaEnv.StartAgent(Dir, new AgentConfigFile
        {
            StateDir = Path.Combine(Dir, "state"), Source = source, Publish = PublishUrl, StatsInterval = TimeSpan.FromSeconds(1), Verbose = true,
        });

    public string? Status(string key) => MediaEnv.StatusValue(Dir, key);

    public long StatusNumber(string key) => MediaEnv.StatusNumber(Dir, key);

    /// <summary>Waits until the agent has published this many frames; false on time-out.</summary>
    public Task<bool> WaitForFramesOut(long frames, TimeSpan timeout) => MediaEnv.WaitUntil(() => StatusNumber("media_frames_out") >= frames, timeout);

    /// <summary>
    /// Stops the agent (SIGTERM, which must end it with 0) and lets the streamer finish what it
    /// writes: nginx closes the last HLS fragment when the publisher goes, ffmpeg ends its file.
    /// </summary>
    public async Task<int> StopAgentAsync()
    {
        await Agent.StopAsync();
        var code = Agent.HasExited ? Agent.ExitCode : -1;
        if (!IsNginx)
        {
            await MediaEnv.WaitUntil(() => Target.HasExited, TimeSpan.FromSeconds(10));
        }
        else
        {
            await Task.Delay(1000);
        }
        return code;
    }

    /// <summary>What the streamer wrote, probed.</summary>
    public Verdict Probe() => MediaEnv.Probe(Kind == Streamer.NginxRtmpRecording ? RecordingPath ?? throw new FileNotFoundException("nginx-rtmp recorded nothing\n" + Logs)
        : IsNginx ? MediaEnv.JoinHls(Playlist) : FfmpegOutput);

    public string Logs => $"agent:\n{Agent.Output}\n\ncamera:\n{Camera?.Output}\n\nstreamer:\n{Target.Output}\n\nstatus:\n{MediaEnv.Status(Dir)}";

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        if (Camera is not null)
        {
            await Camera.DisposeAsync();
        }
        await (Nginx is null ? Target.DisposeAsync() : Nginx.DisposeAsync());
        MediaEnv.Delete(Dir);
    }
}
