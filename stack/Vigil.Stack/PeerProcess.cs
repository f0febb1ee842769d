using System.Diagnostics;

namespace Vigil.Stack;

/// <summary>
/// A real program the media tests and benchmarks talk to (a GStreamer camera, nginx, ffmpeg), run as
/// its own process with its output kept line by line, so that a test can wait for what it prints.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private int _disposed;

    private PeerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed so far, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>The lines it printed so far that start with a prefix.</summary>
    public List<string> Lines(string prefix)
    {
        lock (_lines)
        {
            return _lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
    }

    public static PeerProcess Start(string name, string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var peer = new PeerProcess(name, process);
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    /// <summary>Waits for a line that starts with the prefix; returns it, or throws with the output so far.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lines)
            {
                var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
            }
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                await Task.Delay(200).ConfigureAwait(false); // the last lines of a process that exited
                throw new TimeoutException($"{Name} printed no line starting with '{prefix}'{(_process.HasExited ? $" (it exited with {_process.ExitCode})" : "")}; its output:\n{Output}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (or another signal), then waits for the exit; kills it if it does not go.</summary>
    public async Task StopAsync(int signal = Posix.SigTerm, TimeSpan? timeout = null)
    {
        if (_process.HasExited)
        {
            return;
        }
        _ = Posix.Kill(_process.Id, signal);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kills it if it runs and releases it; once only, so that whoever started it and a test that stopped it early may both dispose it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await ChildProcess.StopAsync(_process).ConfigureAwait(false);
        }
    }

    public override string ToString() => $"{Name} (pid {_process.Id})";
}

/// <summary>The media peers: where their programs are, and how each one is started and made ready.</summary>
public static class MediaPeers
{
    public const string Python = "/usr/bin/python3";
    public const string NginxRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
    public const string NginxJsModule = "/usr/lib/nginx/modules/ngx_http_js_module.so";

    /// <summary>
    /// What of the camera path's peers (nginx with nginx-rtmp and njs, ffprobe, the camera's Python)
    /// and of the <paramref name="others"/> is not installed, said with what installs it; null when all are there.
    /// </summary>
    public static string? Missing(params string[] others)
    {
        var missing = ((string[])["/usr/sbin/nginx", NginxRtmpModule, NginxJsModule, "/usr/bin/ffprobe", Python, .. others]).Where(p => !File.Exists(p)).ToList();
        return missing.Count == 0 ? null
            : $"missing {string.Join(", ", missing)}: ./build.sh test installs nginx, libnginx-mod-rtmp, libnginx-mod-http-js, ffmpeg and GStreamer";
    }

    /// <summary>The GStreamer test camera (an RTSP server of a test pattern, options in the script).</summary>
    public static string CameraScript => Path.Combine(Repository.Root, "stack", "peers", "camera.py");

    /// <summary>The streamer node's files (deploy/nginx-rtmp): its nginx configuration templates and the njs MPEG-TS script.</summary>
    public static string NginxRtmpScripts => Path.Combine(Repository.Root, "deploy", "nginx-rtmp");

    /// <summary>Starts the GStreamer camera (camera.py options) on a free port; returns it once it listens.</summary>
    public static async Task<(PeerProcess Camera, int Port)> StartCameraAsync(string script, params string[] options)
    {
        var camera = PeerProcess.Start("camera", Python, [script, .. options]);
        var ready = await camera.WaitForLineAsync("ready ", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return (camera, int.Parse(ready[6..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// nginx-rtmp as a streamer of the portal's, with the configuration an operator installs
    /// (deploy/nginx-rtmp/*.template, filled into <paramref name="dir"/>/conf): publish, play and
    /// update asked of <paramref name="hookUrl"/>; the HLS (dir/hls/NAME/index.m3u8) and each stream
    /// as MPEG-TS (/NAME/mpegts) served on <paramref name="httpPort"/>, every request asked of the same
    /// hook; /stat and /healthz. The playlist keeps <paramref name="playlistSeconds"/> of video, which
    /// is what a player can seek back in. The error log stays at notice: at info nginx-rtmp writes the
    /// stream arguments, tokens included, with each publish ("publish: name=..."), which a test that
    /// counts publishes asks for with <paramref name="logPublishes"/>.
    /// </summary>
    /// <param name="liveUpstream">the node's vigil-live (address:port) that /CAMERA/webrtc is proxied to; without one, a closed port, so WebRTC answers 502 and pages fall back to HLS.</param>
    public static async Task<(PeerProcess Nginx, int Port)> StartNginxStreamerAsync(string dir, int rtmpPort, int httpPort, string hookUrl, int playlistSeconds = 20, bool logPublishes = false,
        string liveUpstream = "127.0.0.1:9", ArchiveRecording? archive = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        Directory.CreateDirectory(Path.Combine(dir, "hls"));
        var scripts = NginxRtmpScripts;
        var confPath = await StreamerConfig.WriteAsync(scripts, Path.Combine(dir, "conf"), new Dictionary<string, string>
        {
            ["STATE_DIR"] = dir,
            ["LOG_LEVEL"] = logPublishes ? "info" : "notice",
            ["RTMP_LISTEN"] = $"127.0.0.1:{rtmpPort}",
            ["HTTP_LISTEN"] = $"127.0.0.1:{httpPort}",
            ["HLS_DIR"] = Path.Combine(dir, "hls"),
            ["HOOK_URL"] = hookUrl,
            ["PLAYLIST_SECONDS"] = playlistSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SCRIPTS_DIR"] = scripts,
            ["LIVE_UPSTREAM"] = liveUpstream,
            // Without an archive service the node records nothing; its archive forms answer 502.
            ["RECORD"] = archive is null ? "off" : "all",
            ["RECORD_DIR"] = archive?.RecordDir ?? Path.Combine(dir, "recording"),
            ["RECORD_INTERVAL"] = archive?.Interval ?? "5m",
            ["ARCHIVE_URL"] = archive?.ServiceUrl ?? "http://127.0.0.1:9",
        }).ConfigureAwait(false);
        return await StartNginxAsync(dir, confPath, rtmpPort).ConfigureAwait(false);
    }

    /// <summary>nginx in the foreground with one process (a test's child), its prefix <paramref name="dir"/>; returns once <paramref name="port"/> accepts connections.</summary>
    private static async Task<(PeerProcess Nginx, int Port)> StartNginxAsync(string dir, string confPath, int port)
    {
        var nginx = PeerProcess.Start("nginx", "/usr/sbin/nginx",
            ["-p", dir, "-c", confPath, "-e", Path.Combine(dir, "error.log"), "-g", "daemon off; master_process off;"], dir);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port).ConfigureAwait(false);
                return (nginx, port);
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline && !nginx.HasExited)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>ffmpeg as an RTSP push target (-rtsp_flags listen), copying what it receives into a file (MPEG-TS, or another container).</summary>
    public static PeerProcess StartFfmpegRtspListen(int port, string path, string output, string container = "mpegts") =>
        PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg",
            ["-hide_banner", "-nostdin", "-loglevel", "info", "-rtsp_flags", "listen", "-listen_timeout", "120", "-i", $"rtsp://127.0.0.1:{port}{path}", "-c", "copy", "-f", container, "-y", output]);
}
