using System.Diagnostics;
using System.Text;

namespace Vigil.LoadTool;

/// <summary>
/// A real program the media tests and benchmarks talk to (a GStreamer camera, nginx, ffmpeg), run as
/// its own process with its output kept line by line, so that a test can wait for what it prints.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

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

    public async ValueTask DisposeAsync() => await ChildProcess.StopAsync(_process).ConfigureAwait(false);

    public override string ToString() => $"{Name} (pid {_process.Id})";
}

/// <summary>The media peers: where their programs are, and how each one is started and made ready.</summary>
public static class MediaPeers
{
    public const string Python = "/usr/bin/python3";
    public const string NginxRtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    public const string NginxJsModule = "/usr/lib/nginx/modules/ngx_http_js_module.so";

    /// <summary>The repository's root (the directory of Agent.sln) at or above a directory.</summary>
    public static string RepositoryRoot(string from)
    {
        var dir = from;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Agent.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException("cannot find the repository root");
    }

    /// <summary>The GStreamer camera script, found from the repository root above a directory.</summary>
    public static string CameraScript(string from) => Path.Combine(RepositoryRoot(from), "tests", "Vigil.Media.Tests", "peers", "camera.py");

    /// <summary>The directory of the njs script that serves nginx-rtmp's streams as continuous MPEG-TS (deploy/nginx-rtmp).</summary>
    public static string NginxRtmpScripts(string from) => Path.Combine(RepositoryRoot(from), "deploy", "nginx-rtmp");

    /// <summary>Starts the GStreamer camera (camera.py options) on a free port; returns it once it listens.</summary>
    public static async Task<(PeerProcess Camera, int Port)> StartCameraAsync(string script, params string[] options)
    {
        var camera = PeerProcess.Start("camera", Python, [script, .. options]);
        var ready = await camera.WaitForLineAsync("ready ", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return (camera, int.Parse(ready[6..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// nginx with the RTMP module, its own config in <paramref name="dir"/>: one "live" application
    /// that writes HLS (2 s fragments, all kept) to dir/hls and, with <paramref name="record"/>,
    /// every stream as the publisher sent it to dir/record/NAME.flv. Returns once it accepts connections.
    /// </summary>
    public static Task<(PeerProcess Nginx, int Port)> StartNginxRtmpAsync(string dir, int port = 0, bool record = false) =>
        StartNginxAsync(dir, port == 0 ? RelayProcess.FreePort() : port, Rtmp(dir, "hls_fragment 2s; hls_playlist_length 3600s; hls_cleanup off;", record), http: "", errorLevel: "info");

    /// <summary>
    /// nginx-rtmp as a streamer of the portal's: publish, play and update (every 2 s) asked of the
    /// portal's nginx-rtmp hook URL; HLS nested per stream (dir/hls/NAME/index.m3u8) and served on
    /// <paramref name="httpPort"/>, every request asked of the same hook through auth_request, the
    /// viewer's token carried into the fragment names, to pages of any origin (a player in the portal's
    /// web pages); /NAME/mpegts the stream as one continuous MPEG-TS (deploy/nginx-rtmp/vigil-mpegts.js,
    /// nginx's njs module), asked of the hook like the HLS; /stat (loopback only) the RTMP statistics;
    /// /healthz what the portal's health probe asks. The playlist keeps
    /// <paramref name="playlistSeconds"/> of video, which is what a player can seek back in.
    /// The error log stays at notice: at info nginx-rtmp writes the stream arguments, tokens included,
    /// with each publish ("publish: name=..."), which a test that counts publishes asks for with
    /// <paramref name="logPublishes"/>.
    /// </summary>
    public static Task<(PeerProcess Nginx, int Port)> StartNginxStreamerAsync(string dir, int rtmpPort, int httpPort, string hookUrl, int playlistSeconds = 20, bool logPublishes = false)
    {
        var hooks = $"on_publish {hookUrl}; on_play {hookUrl}; on_update {hookUrl}; notify_update_timeout 2s; notify_method post;";
        var http = new StringBuilder()
            .AppendLine("http {")
            .AppendLine($"  access_log off; client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp;")
            .AppendLine($"  js_path {NginxRtmpScripts(AppContext.BaseDirectory)};")
            .AppendLine("  js_import mpegts from vigil-mpegts.js;")
            .AppendLine("  limit_conn_zone $binary_remote_addr zone=mpegts:1m;")
            .AppendLine("  server {")
            .AppendLine($"    listen 127.0.0.1:{httpPort};")
            .AppendLine("    location = /vigil-auth {")
            .AppendLine("      internal;")
            .AppendLine($"      proxy_pass {hookUrl};")
            .AppendLine("      proxy_pass_request_body off;")
            .AppendLine("      proxy_set_header Content-Length \"\";")
            .AppendLine("      proxy_set_header X-Original-URI $request_uri;")
            .AppendLine("      proxy_set_header X-Real-IP $remote_addr;")
            .AppendLine("    }")
            .AppendLine("    location = /stat { rtmp_stat all; allow 127.0.0.1; deny all; }")
            .AppendLine("    location = /healthz { access_log off; return 200 \"ok\\n\"; }")
            .AppendLine("    location ~ ^/[^/]+/mpegts$ {")
            .AppendLine("      auth_request /vigil-auth;")
            .AppendLine($"      root {dir}/hls;")
            .AppendLine("      add_header Access-Control-Allow-Origin * always;")
            .AppendLine("      limit_conn mpegts 4;")
            .AppendLine("      js_content mpegts.stream;")
            .AppendLine("    }")
            .AppendLine("    location / {")
            .AppendLine("      auth_request /vigil-auth;")
            .AppendLine("      log_not_found off;")
            .AppendLine($"      root {dir}/hls;")
            .AppendLine("      types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }")
            .AppendLine("      add_header Cache-Control no-cache always;")
            .AppendLine("      add_header Access-Control-Allow-Origin * always;")
            .AppendLine("      sub_filter_types application/vnd.apple.mpegurl;")
            .AppendLine("      sub_filter_once off;")
            .AppendLine("      sub_filter '.ts' '.ts?token=$arg_token';")
            .AppendLine("    }")
            .AppendLine("  }")
            .AppendLine("}");
        Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        return StartNginxAsync(dir, rtmpPort, Rtmp(dir, $"hls_nested on; hls_fragment 1s; hls_playlist_length {playlistSeconds}s; {hooks}"), http.ToString(), errorLevel: logPublishes ? "info" : "notice", js: true);
    }

    private static string Rtmp(string dir, string application, bool record = false) => new StringBuilder()
        .AppendLine("    application live {")
        .AppendLine("      live on;")
        .AppendLine(record ? $"      record all; record_path {dir}/record; record_unique off;" : "      record off;")
        .AppendLine("      hls on;")
        .AppendLine($"      hls_path {dir}/hls;")
        .AppendLine($"      {application}")
        .AppendLine("    }")
        .ToString();

    private static async Task<(PeerProcess Nginx, int Port)> StartNginxAsync(string dir, int port, string application, string http, string errorLevel, bool js = false)
    {
        Directory.CreateDirectory(Path.Combine(dir, "hls"));
        Directory.CreateDirectory(Path.Combine(dir, "record"));
        var conf = new StringBuilder()
            .AppendLine("daemon off;")
            .AppendLine("master_process off;")
            .AppendLine("worker_processes 1;")
            .AppendLine($"pid {dir}/nginx.pid;")
            .AppendLine($"error_log {dir}/error.log {errorLevel};")
            .AppendLine($"load_module {NginxRtmpModule};")
            .Append(js ? $"load_module {NginxJsModule};\n" : "")
            .AppendLine("events { worker_connections 64; }")
            .AppendLine("rtmp {")
            .AppendLine("  server {")
            .AppendLine($"    listen 127.0.0.1:{port};")
            .AppendLine("    chunk_size 4096;")
            .AppendLine("    ping 10s;")
            .Append(application)
            .AppendLine("  }")
            .AppendLine("}")
            .Append(http);
        var confPath = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(confPath, conf.ToString()).ConfigureAwait(false);
        var nginx = PeerProcess.Start("nginx", "/usr/sbin/nginx", ["-p", dir, "-c", confPath, "-e", Path.Combine(dir, "error.log")], dir);
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
