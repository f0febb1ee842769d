using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Vigil.Stack;

/// <summary>Where a <see cref="VigilStack"/> finds its programs, keeps its state, and listens (0: a free port).</summary>
public sealed record StackOptions(string PortalDll, string AgentBinary, string CameraScript, string StateDir)
{
    public int PortalPort { get; init; }
    public int RelayPort { get; init; }
    public int StreamerHttpPort { get; init; }
    public int StreamerRtmpPort { get; init; }
    /// <summary>The portal's environment beyond the inherited one (VIGIL_PORTAL_* settings).</summary>
    public IReadOnlyDictionary<string, string>? PortalEnvironment { get; init; }
    /// <summary>The streamer node's archive: nginx-rtmp records every stream for a vigil-archive already running (null: see <see cref="ArchiveDll"/>).</summary>
    public ArchiveRecording? Archive { get; init; }
    /// <summary>vigil-archive for the stack to run on its streamer node, recording into StateDir (null, and no <see cref="Archive"/>: the node records nothing).</summary>
    public string? ArchiveDll { get; init; }
    /// <summary>The length of one recorded file when the stack runs vigil-archive (nginx's time syntax).</summary>
    public string RecordInterval { get; init; } = "1m";
    /// <summary>
    /// Hosts the portal in the caller's process on what the stack names (a test that reads the portal's
    /// state); null: vigil-portal from <see cref="PortalDll"/> as its own process.
    /// </summary>
    public Func<StackPortalLaunch, Task<IStackPortal>>? HostPortal { get; init; }
    /// <summary>The streamer node's name at the portal, and how it is made (its ports are the options' own).</summary>
    public string StreamerName { get; init; } = VigilStack.StreamerName;
    /// <summary>The seconds of video the node's HLS playlists keep.</summary>
    public int PlaylistSeconds { get; init; } = 20;
    /// <summary>Whether the portal probes the node's health (off: the portal takes the demo's one streamer as up).</summary>
    public bool HealthProbe { get; init; }
    /// <summary>The host viewers reach the streamer node by (its public_url).</summary>
    public string StreamerPublicHost { get; init; } = "127.0.0.1";
    /// <summary>
    /// Starts vigil-live beside the streamer node, once the portal has made it and before nginx starts:
    /// what to stop with the stack and the address nginx passes /CAMERA/webrtc to (null: no WebRTC).
    /// </summary>
    public Func<StreamerNode, Task<(IAsyncDisposable Live, string Upstream)>>? StartLive { get; init; }
}

/// <summary>A simulated camera of the stack: the GStreamer RTSP server and the agent flashed beside it.</summary>
public sealed record StackCamera(string Serial, string RtspUrl, PeerProcess Camera, AgentProcess Agent);

/// <summary>
/// The whole camera path on one machine, every part a real process: vigil-portal on SQLite with its
/// embedded relay, nginx-rtmp as the portal's streamer (its publish, play and update hooks and its
/// HLS requests asked of the portal) with vigil-archive recording beside it and vigil-live serving
/// WebRTC when asked, GStreamer cameras, and NativeAOT agents that dial the embedded relay. What an
/// operator or a viewer then does goes through the portal's public API only. The demo runs it, so do
/// the end-to-end tests; the web and live tests run it with the portal hosted in their own process
/// (<see cref="StackOptions.HostPortal"/>), the one part they must read the state of.
/// </summary>
public sealed class VigilStack : IAsyncDisposable
{
    /// <summary>The streamer node's name unless the options give another.</summary>
    public const string StreamerName = "demo-nginx";
    private readonly StackOptions _options;
    private readonly List<StackCamera> _cameras = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _written = [];
    private Task _logs = Task.CompletedTask;
    private StreamerNode? _streamer;
    private PeerProcess? _archive;
    private ArchiveRecording? _recording;
    private IAsyncDisposable? _live;

    private VigilStack(StackOptions options, IStackPortal portal)
    {
        _options = options;
        Portal = portal;
    }

    public IStackPortal Portal { get; }
    public Uri PortalUrl => Portal.BaseAddress;
    public string RelayKey { get; private set; } = "";
    public int RelayPort { get; private set; }
    /// <summary>The nginx-rtmp streamer node the portal places cameras on.</summary>
    public StreamerNode Streamer => _streamer ?? throw new InvalidOperationException("the streamer is not started");
    public int StreamerHttpPort => Streamer.HttpPort;
    public int StreamerRtmpPort => Streamer.RtmpPort;
    public string LogDir => Path.Combine(_options.StateDir, "logs");
    public string NginxDir => Path.Combine(_options.StateDir, "nginx");
    /// <summary>Whether the streamer node records for vigil-archive (the archive forms of its HTTP answer).</summary>
    public bool Records => _recording is not null;
    /// <summary>Where vigil-archive files the recordings, when the stack runs it.</summary>
    public string ArchiveDir => Path.Combine(_options.StateDir, "archive");
    public IReadOnlyList<StackCamera> Cameras => _cameras;

    /// <summary>
    /// Starts the portal (fresh state in <see cref="StackOptions.StateDir"/>), waits for its embedded
    /// relay, makes the nginx-rtmp streamer through the API and starts nginx with its hook key.
    /// </summary>
    public static async Task<VigilStack> StartAsync(StackOptions options)
    {
        if (Directory.Exists(options.StateDir))
        {
            Directory.Delete(options.StateDir, recursive: true);
        }
        Directory.CreateDirectory(options.StateDir);
        var relayPort = options.RelayPort == 0 ? RelayProcess.FreePort() : options.RelayPort;
        var launch = new StackPortalLaunch(Path.Combine(options.StateDir, "portal.db"), $"127.0.0.1:{relayPort}", $"127.0.0.1:{RelayProcess.FreePort()}",
            Path.Combine(options.StateDir, "portal-data"), options.PortalPort);
        var portal = options.HostPortal is { } host
            ? await host(launch).ConfigureAwait(false)
            : await PortalProcess.StartAsync(options.PortalDll, launch.Database, options.PortalEnvironment,
                ["--embedded-relay", launch.EmbeddedRelay, "--embedded-relay-api", launch.EmbeddedRelayApi, "--data-dir", launch.DataDir], launch.Port).ConfigureAwait(false);
        var stack = new VigilStack(options, portal) { RelayPort = relayPort };
        try
        {
            Directory.CreateDirectory(stack.LogDir);
            stack._logs = stack.KeepLogsAsync();
            stack.RelayKey = await stack.EventuallyAsync("the embedded relay to register its key", TimeSpan.FromSeconds(30),
                () => EmbeddedRelayPortal.RegisteredKeyAsync(portal.Api, TimeSpan.Zero)).ConfigureAwait(false);
            await stack.StartArchiveAsync().ConfigureAwait(false);
            await stack.StartStreamerAsync().ConfigureAwait(false);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>vigil-archive beside nginx-rtmp, when the options ask the stack to run it; or the one they name.</summary>
    private async Task StartArchiveAsync()
    {
        _recording = _options.Archive;
        if (_options.ArchiveDll is { } dll)
        {
            (_archive, _recording) = await ArchiveService.StartAsync(dll, Path.Combine(_options.StateDir, "recording"), Path.Combine(_options.StateDir, "archive"),
                _options.RecordInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the streamer node at the portal, starts vigil-live beside it when asked, then its nginx.</summary>
    private async Task StartStreamerAsync()
    {
        _streamer = await StreamerNode.RegisterAsync(Portal.Api, PortalUrl, _options.StreamerName, new StreamerSettings
        {
            Dir = NginxDir,
            RtmpPort = _options.StreamerRtmpPort,
            HttpPort = _options.StreamerHttpPort,
            HealthProbe = _options.HealthProbe,
            PlaylistSeconds = _options.PlaylistSeconds,
            PublicHost = _options.StreamerPublicHost,
        }).ConfigureAwait(false);
        string? upstream = null;
        if (_options.StartLive is { } startLive)
        {
            (_live, upstream) = await startLive(_streamer).ConfigureAwait(false);
        }
        await _streamer.StartAsync(_recording, upstream).ConfigureAwait(false);
    }

    /// <summary>Stops nginx with <paramref name="signal"/> (SIGKILL: a crash), waits <paramref name="down"/>, and starts it again with the same configuration.</summary>
    public async Task RestartStreamerAsync(int signal, TimeSpan down)
    {
        await Streamer.StopAsync(signal).ConfigureAwait(false);
        await Task.Delay(down).ConfigureAwait(false);
        await Streamer.StartAgainAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A GStreamer camera and its agent (serial <paramref name="serial"/>, the embedded relay and its
    /// key in the config); returns once the agent's hello made the device known to the portal.
    /// </summary>
    public Task<(StackCamera Camera, string DeviceId)> AddCameraAsync(string serial, params string[] cameraOptions) => AddCameraAsync(serial, null, cameraOptions);

    /// <summary>As <see cref="AddCameraAsync(string, string[])"/>, the agent's config changed by <paramref name="agentConfig"/> (another model, no camera_url...).</summary>
    public async Task<(StackCamera Camera, string DeviceId)> AddCameraAsync(string serial, Action<AgentConfigFile>? agentConfig, params string[] cameraOptions)
    {
        var (camera, port) = await MediaPeers.StartCameraAsync(_options.CameraScript, ["--keyint", "25", "--kbps", "600", .. cameraOptions]).ConfigureAwait(false);
        var dir = Path.Combine(_options.StateDir, "agent-" + serial);
        Directory.CreateDirectory(dir);
        var rtsp = $"rtsp://127.0.0.1:{port}/stream";
        var config = new AgentConfigFile
        {
            Comment = "A camera's agent as an installer flashes it: the relay, its pinned key, a state directory, the sticker's serial, the camera's own stream.",
            Relays = { new AgentRelayLine($"127.0.0.1:{RelayPort}") },
            RelayKey = RelayKey,
            StateDir = Path.Combine(dir, "state"),
            Serial = serial,
            Model = "vigil-demo-camera",
            CameraUrl = rtsp,
        };
        agentConfig?.Invoke(config);
        var agent = AgentProcess.Start(_options.AgentBinary, dir, config);
        var made = new StackCamera(serial, rtsp, camera, agent);
        lock (_cameras)
        {
            _cameras.Add(made);
        }
        var id = await EventuallyAsync($"the agent of {serial} to say hello through the embedded relay", TimeSpan.FromSeconds(30), async () =>
        {
            var id = agent.ReadDeviceId();
            return id is not null && (await Portal.Api.GetAsync($"/api/v1/devices/{id}").ConfigureAwait(false)).StatusCode == HttpStatusCode.OK ? id : null;
        }, () => agent.Log).ConfigureAwait(false);
        return (made, id);
    }

    /// <summary>The device as the portal shows it to an operator.</summary>
    public async Task<JsonNode> DeviceAsync(string id) => JsonNode.Parse(await Portal.Api.GetStringAsync($"/api/v1/devices/{id}").ConfigureAwait(false))!;

    /// <summary>A camera record for an RTSP address, placed by the portal (no streamer named); with <paramref name="dvrDepthDays"/>, an archive that deep.</summary>
    public Task<JsonNode> CreateCameraAsync(string name, string rtspUrl, int? dvrDepthDays = null) =>
        dvrDepthDays is { } depth
            ? PostAsync(Portal.Api, "/api/v1/cameras", new { name, title = $"Demo camera {name}", stream_url = rtspUrl, access = "private", dvr_depth = depth }, HttpStatusCode.Created)
            : PostAsync(Portal.Api, "/api/v1/cameras", new { name, title = $"Demo camera {name}", stream_url = rtspUrl, access = "private" }, HttpStatusCode.Created);

    public Task<JsonNode> ApproveAsync(string deviceId) => PostAsync(Portal.Api, $"/api/v1/devices/{deviceId}/approve", new { }, HttpStatusCode.OK);

    public Task<JsonNode> BindAsync(string deviceId, string camera) => PostAsync(Portal.Api, $"/api/v1/devices/{deviceId}/bind", new { camera }, HttpStatusCode.OK);

    public Task<JsonNode> RevokeAsync(string deviceId) => PostAsync(Portal.Api, $"/api/v1/devices/{deviceId}/revoke", new { }, HttpStatusCode.OK);

    /// <summary>A user made by the admin and logged in: a client with that user's session.</summary>
    public async Task<(HttpClient Client, long Id)> UserAsync(string login, string password, string role = "user")
    {
        var made = await PostAsync(Portal.Api, "/api/v1/users", new { login, password, role }, HttpStatusCode.Created).ConfigureAwait(false);
        var client = new HttpClient { BaseAddress = PortalUrl, Timeout = TimeSpan.FromSeconds(30) };
        var session = await PostAsync(client, "/api/v1/auth/login", new { login, password }, HttpStatusCode.OK).ConfigureAwait(false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session["token"]!.GetValue<string>());
        return (client, made["id"]!.GetValue<long>());
    }

    /// <summary>POSTs JSON and insists on the status; the answer's JSON (an empty object when it has none).</summary>
    public static async Task<JsonNode> PostAsync(HttpClient client, string path, object body, HttpStatusCode expected)
    {
        using var answer = await client.PostAsJsonAsync(path, body).ConfigureAwait(false);
        var text = await answer.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (answer.StatusCode != expected)
        {
            throw new InvalidOperationException($"POST {path}: {(int)answer.StatusCode} {text} (expected {(int)expected})");
        }
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>The live playback URLs the portal gives a viewer (hls, and mpegts, null where the streamer has none).</summary>
    public static async Task<(string Hls, string? Mpegts)> PlaybackAsync(HttpClient viewer, string camera)
    {
        using var answer = await viewer.GetAsync($"/api/v1/cameras/{camera}/playback").ConfigureAwait(false);
        var text = await answer.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"playback of {camera}: {(int)answer.StatusCode} {text}");
        }
        var live = JsonNode.Parse(text)!["live"]!;
        return (live["hls"]!.GetValue<string>(), live["mpegts"]?.GetValue<string>());
    }

    /// <summary>
    /// Whether nginx-rtmp has a publisher on the stream now, from its statistics (rtmp_stat): a
    /// stream element named so, with a publishing child.
    /// </summary>
    public async Task<bool> PublishingAsync(string camera)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var stat = XDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{StreamerHttpPort}/stat").ConfigureAwait(false));
        return stat.Descendants("stream").Any(s => (string?)s.Element("name") == camera && s.Element("publishing") is not null);
    }

    /// <summary>
    /// Plays a URL with ffprobe for <paramref name="seconds"/> of video: the video frames it decoded,
    /// or 0 when it could not play (with what ffprobe said).
    /// </summary>
    public static async Task<(int Frames, string Said)> ProbeAsync(string url, TimeSpan limit, int seconds = 2)
    {
        var (code, output) = await RunAsync("/usr/bin/ffprobe",
            ["-v", "error", "-rw_timeout", "10000000", "-select_streams", "v:0", "-read_intervals", $"%+{seconds.ToString(CultureInfo.InvariantCulture)}", "-count_frames",
             "-show_entries", "stream=codec_name,nb_read_frames", "-of", "default=nw=1", url], limit).ConfigureAwait(false);
        var frames = output.Split('\n').FirstOrDefault(l => l.StartsWith("nb_read_frames=", StringComparison.Ordinal)) is { } line
            && int.TryParse(line["nb_read_frames=".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return (code == 0 ? frames : 0, output);
    }

    /// <summary>Probes the URL until ffprobe decodes frames from it; how long that took.</summary>
    public static async Task<TimeSpan> WaitPlayingAsync(string url, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var said = "";
        while (clock.Elapsed < limit)
        {
            int frames;
            (frames, said) = await ProbeAsync(url, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            if (frames > 0)
            {
                return clock.Elapsed;
            }
            await Task.Delay(500).ConfigureAwait(false);
        }
        throw new TimeoutException($"{Redacted(url)} did not play within {limit.TotalSeconds} s; ffprobe said: {said}");
    }

    /// <summary>A URL with its token cut short, for messages and logs.</summary>
    public static string Redacted(string url) => url.Contains("token=", StringComparison.Ordinal) ? url[..(url.IndexOf("token=", StringComparison.Ordinal) + 6)] + "***" : url;

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan limit)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await p.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync().ConfigureAwait(false);
        }
        return (p.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    private async Task<T> EventuallyAsync<T>(string what, TimeSpan limit, Func<Task<T?>> probe, Func<string>? explain = null) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe().ConfigureAwait(false) is { } value)
            {
                return value;
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"waited {limit.TotalSeconds} s for {what}{(explain is null ? "" : "\n" + explain())}\nportal log:\n{Portal.Log}");
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>What each process printed, appended to LogDir/NAME.log as it comes (the portal's admin password is masked).</summary>
    private async Task KeepLogsAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            WriteLogs();
            try
            {
                await Task.Delay(1000, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        WriteLogs();
    }

    private void WriteLogs()
    {
        void Write(string name, string text)
        {
            var done = _written.GetValueOrDefault(name);
            if (text.Length > done)
            {
                File.AppendAllText(Path.Combine(LogDir, name + ".log"), text[done..]);
                _written[name] = text.Length;
            }
        }
        Write("portal", Portal.Log);
        if (_streamer?.Nginx is { } nginx)
        {
            Write("nginx", nginx.Output);
        }
        if (_archive is not null)
        {
            Write("archive", _archive.Output);
        }
        StackCamera[] cameras;
        lock (_cameras)
        {
            cameras = [.. _cameras];
        }
        foreach (var c in cameras)
        {
            Write($"agent-{c.Serial}", c.Agent.Log);
            Write($"camera-{c.Serial}", c.Camera.Output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        StackCamera[] cameras;
        lock (_cameras)
        {
            cameras = [.. _cameras];
        }
        foreach (var c in cameras)
        {
            await c.Agent.DisposeAsync().ConfigureAwait(false);
            await c.Camera.DisposeAsync().ConfigureAwait(false);
        }
        if (_streamer is not null)
        {
            await _streamer.DisposeAsync().ConfigureAwait(false);
        }
        if (_live is not null)
        {
            await _live.DisposeAsync().ConfigureAwait(false);
        }
        if (_archive is not null)
        {
            await _archive.DisposeAsync().ConfigureAwait(false);
        }
        await Portal.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _logs.ConfigureAwait(false);
        _stop.Dispose();
    }
}
