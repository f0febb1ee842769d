using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Vigil.Live.Priming;

namespace Vigil.Live;

/// <summary>
/// One camera's live video into Janus: a streaming-plugin mountpoint (RTP, H.264) and ffmpeg playing
/// the camera from the node's nginx-rtmp and sending its video to the mountpoint's port, copied as
/// the camera encoded it (no decoding, no re-encoding). h264_mp4toannexb turns FLV's length-prefixed
/// NAL units into Annex B and puts SPS and PPS before every keyframe, so that a viewer who joins
/// mid-stream can decode from the next keyframe. No audio: WebRTC carries Opus, and the cameras send
/// AAC or G.711, so audio would be a transcode per camera; HLS keeps the camera's audio.
///
/// The play is the node's own: its nginx-rtmp asks the portal, which lets it on for the hook key of
/// this streamer (node=KEY), from loopback, for a camera placed on this streamer. If the camera stops
/// publishing (its device revoked, its agent gone) ffmpeg's output stops: after a few seconds
/// without a frame the feed kills it, and the feed ends with it (ffmpeg itself keeps waiting on the
/// connection, which nginx-rtmp leaves open).
/// </summary>
public sealed class CameraFeed : IAsyncDisposable
{
    /// <summary>
    /// How long ffmpeg waits for data from nginx-rtmp before it gives up on the stream: more than a
    /// camera's longest usual GOP, since nginx-rtmp sends a new player nothing before a keyframe.
    /// </summary>
    private const int ReadTimeoutMicroseconds = 10_000_000;
    /// <summary>A running feed without a new frame for this long has lost its camera (revoked, gone): it ends.</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(2.5);
    private readonly JanusClient _janus;
    private readonly Process _ffmpeg;
    private readonly ILogger _log;
    private readonly Queue<string> _lastLines = new();
    /// <summary>The node's key, which ffmpeg repeats with the URL in its errors: never written to the log.</summary>
    private readonly string _nodeKey;

    private CameraFeed(string camera, long mountpoint, int port, JanusClient janus, Process ffmpeg, ILogger log, string nodeKey)
    {
        _nodeKey = nodeKey;
        Camera = camera;
        Mountpoint = mountpoint;
        Port = port;
        _janus = janus;
        _ffmpeg = ffmpeg;
        _log = log;
        Exited = ffmpeg.WaitForExitAsync();
        _ = WatchAsync();
    }

    public string Camera { get; }
    public long Mountpoint { get; }
    public int Port { get; }
    /// <summary>Completes when ffmpeg exits: the stream ended or could not be read.</summary>
    public Task Exited { get; }

    /// <summary>What ffmpeg said last (its errors), or that its video stopped, for the log of a feed that ended.</summary>
    public string LastWords
    {
        get
        {
            lock (_lastLines)
            {
                return _stalled ? $"no video from nginx-rtmp for {Stall.TotalSeconds} s" : string.Join(" | ", _lastLines);
            }
        }
    }

    /// <summary>Frames ffmpeg has sent so far (its -progress report) and when the count last moved.</summary>
    private long _frames;
    private long _movedAt = Environment.TickCount64;
    private bool _stalled;

    public static async Task<CameraFeed> StartAsync(string camera, LiveOptions options, JanusClient janus, ILogger log, CancellationToken ct)
    {
        var mountpoint = RandomNumberGenerator.GetInt32(1, int.MaxValue);
        var port = await AdminAsync(janus, w =>
        {
            w.WriteString("request", "create");
            w.WriteString("admin_key", options.JanusSecret);
            w.WriteString("type", "rtp");
            w.WriteNumber("id", mountpoint);
            w.WriteString("name", camera);
            w.WriteBoolean("is_private", true);
            w.WriteStartArray("media");
            w.WriteStartObject();
            w.WriteString("type", "video");
            w.WriteString("mid", "v");
            w.WriteNumber("port", 0);
            w.WriteNumber("pt", 96);
            w.WriteString("codec", "h264");
            // Constrained baseline is what every browser answers to; level-asymmetry-allowed lets
            // it take the camera's own profile and level, which is sent as it is.
            w.WriteString("fmtp", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
            // Janus keeps the latest keyframe and sends it to a viewer as soon as its PeerConnection is
            // up: a viewer of a running feed sees a picture at once instead of waiting up to a GOP for
            // the camera's next keyframe (nginx-rtmp keeps no GOP cache to start it from). In a media
            // entry the setting is "bufferkf"; "videobufferkf" is the old single-stream form, which
            // Janus ignores here without a word.
            w.WriteBoolean("bufferkf", true);
            w.WriteEndObject();
            w.WriteEndArray();
        }, ct, created => created.GetProperty("stream").GetProperty("ports")[0].GetProperty("port").GetInt32()).ConfigureAwait(false);

        // Before ffmpeg: its packets must not meet the primer's at Janus.
        await PrimeAsync(camera, options, port, log, ct).ConfigureAwait(false);

        var psi = new ProcessStartInfo(options.Ffmpeg)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var source = $"{options.RtmpUrl.TrimEnd('/')}/{camera}?node={Uri.EscapeDataString(options.NodeKey())}";
        foreach (var arg in (string[])[
            "-hide_banner", "-nostdin", "-loglevel", "warning",
            // Start at once: nginx-rtmp sends the codec headers first, so little probing is needed. Not
            // -fflags nobuffer: it drops what the probing read, which is the camera's first keyframe
            // (decoded to learn the picture's format), and the feed then waits a whole GOP for the next.
            "-flags", "low_delay", "-probesize", "32", "-analyzeduration", "0", "-fpsprobesize", "0",
            "-rw_timeout", ReadTimeoutMicroseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", source,
            "-map", "0:v:0", "-an", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb",
            "-f", "rtp", "-payload_type", "96", $"rtp://127.0.0.1:{port}?pkt_size=1200",
            // Its progress on stdout, twice a second: the feed notices a stream that stopped.
            "-progress", "pipe:1", "-stats_period", "0.5", "-nostats"])
        {
            psi.ArgumentList.Add(arg);
        }
        Process ffmpeg;
        try
        {
            ffmpeg = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {options.Ffmpeg}");
        }
        catch
        {
            await DestroyMountpointAsync(janus, options, mountpoint).ConfigureAwait(false);
            throw;
        }
        var feed = new CameraFeed(camera, mountpoint, port, janus, ffmpeg, log, Uri.EscapeDataString(options.NodeKey()));
        ffmpeg.ErrorDataReceived += (_, e) => feed.Heard(e.Data);
        ffmpeg.OutputDataReceived += (_, e) => feed.Progressed(e.Data);
        ffmpeg.BeginErrorReadLine();
        ffmpeg.BeginOutputReadLine();
        LiveLog.FeedStarted(log, camera, mountpoint, port);
        return feed;
    }

    /// <summary>The camera's latest keyframe from the node's HLS into the new mountpoint (<see cref="FeedPrimer"/>), where the node has its HLS.</summary>
    private static async Task PrimeAsync(string camera, LiveOptions options, int port, ILogger log, CancellationToken ct)
    {
        if (options.HlsDir.Length == 0)
        {
            return;
        }
        try
        {
            var (keyframe, from) = FeedPrimer.Find(options.HlsDir, camera, DateTime.UtcNow);
            if (keyframe is null)
            {
                LiveLog.FeedNotPrimed(log, camera, from);
                return;
            }
            var packets = await FeedPrimer.SendAsync(keyframe, port, ct).ConfigureAwait(false);
            LiveLog.FeedPrimed(log, camera, from, keyframe.AccessUnit.Length, packets);
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            // The feed starts anyway, at the camera's next keyframe.
            LiveLog.FeedNotPrimed(log, camera, e.Message);
        }
    }

    /// <summary>A line of ffmpeg's stdout: the SDP of its RTP output (nothing to keep) or its progress (frame=N).</summary>
    private void Progressed(string? line)
    {
        if (line is not null && line.StartsWith("frame=", StringComparison.Ordinal) &&
            long.TryParse(line.AsSpan(6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var frames) &&
            frames != Interlocked.Read(ref _frames))
        {
            Interlocked.Exchange(ref _frames, frames);
            Interlocked.Exchange(ref _movedAt, Environment.TickCount64);
        }
    }

    /// <summary>
    /// Ends the feed when its video stops after it began. Before the first frame ffmpeg's own read
    /// timeout decides: the camera's next keyframe may be a long GOP away.
    /// </summary>
    private async Task WatchAsync()
    {
        while (!Exited.IsCompleted)
        {
            await Task.WhenAny(Exited, Task.Delay(500)).ConfigureAwait(false);
            if (Interlocked.Read(ref _frames) > 0 && Environment.TickCount64 - Interlocked.Read(ref _movedAt) > Stall.TotalMilliseconds && !Exited.IsCompleted)
            {
                lock (_lastLines)
                {
                    _stalled = true;
                }
                Kill();
            }
        }
    }

    private void Heard(string? line)
    {
        if (line is null || line.Length == 0)
        {
            return;
        }
        if (_nodeKey.Length > 0)
        {
            line = line.Replace(_nodeKey, "(node key)", StringComparison.Ordinal);
        }
        LiveLog.FeederSaid(_log, Camera, line);
        lock (_lastLines)
        {
            // Bounded: ffmpeg may print a line per frame about a sloppy stream.
            if (_lastLines.Count == 4)
            {
                _lastLines.Dequeue();
            }
            _lastLines.Enqueue(line.Length > 300 ? line[..300] : line);
        }
    }

    /// <summary>Stops ffmpeg and destroys the mountpoint (which hangs up every viewer still on it).</summary>
    public async Task StopAsync(LiveOptions options)
    {
        Kill();
        await Exited.ConfigureAwait(false);
        await DestroyMountpointAsync(_janus, options, Mountpoint).ConfigureAwait(false);
    }

    private void Kill()
    {
        try
        {
            if (!_ffmpeg.HasExited)
            {
                _ffmpeg.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // it exited in between
        }
    }

    public ValueTask DisposeAsync()
    {
        _ffmpeg.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task DestroyMountpointAsync(JanusClient janus, LiveOptions options, long mountpoint)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await AdminAsync(janus, w =>
            {
                w.WriteString("request", "destroy");
                w.WriteString("admin_key", options.JanusSecret);
                w.WriteNumber("id", mountpoint);
            }, cts.Token, _ => 0).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JanusException or OperationCanceledException)
        {
            // Janus restarted (its mountpoints went with it) or is gone: nothing to destroy.
        }
    }

    /// <summary>
    /// One request of the streaming plugin's admin kind (create, destroy), on a session of its own
    /// that is destroyed right after: no long-lived admin session to keep alive.
    /// </summary>
    private static async Task<T> AdminAsync<T>(JanusClient janus, Action<System.Text.Json.Utf8JsonWriter> body, CancellationToken ct,
        Func<System.Text.Json.JsonElement, T> read)
    {
        var session = await janus.CreateSessionAsync(ct).ConfigureAwait(false);
        try
        {
            var handle = await janus.AttachAsync(session, ct).ConfigureAwait(false);
            using var answer = await janus.RequestAsync(session, handle, body, ct).ConfigureAwait(false);
            return read(answer.RootElement.GetProperty("plugindata").GetProperty("data"));
        }
        finally
        {
            await janus.DestroySessionAsync(session, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
