using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vigil.Stack;

/// <summary>How a <see cref="StreamerNode"/> is registered at its portal and configured (0: a free port).</summary>
public sealed record StreamerSettings
{
    /// <summary>The node's folder (its filled configuration, HLS, logs); null: a fresh temporary one, removed with the node.</summary>
    public string? Dir { get; init; }
    public int RtmpPort { get; init; }
    public int HttpPort { get; init; }
    public int Capacity { get; init; } = 100;
    /// <summary>The host viewers reach the node by (its public_url); loopback unless a viewer runs in a network namespace of its own.</summary>
    public string PublicHost { get; init; } = "127.0.0.1";
    /// <summary>The kind the portal is told of; another than nginx-rtmp (with <see cref="IngestScheme"/>) makes a streamer of that kind whose health is this nginx's, for placement.</summary>
    public string Kind { get; init; } = "nginx-rtmp";
    public string IngestScheme { get; init; } = "rtmp";
    /// <summary>Whether the portal probes the node's /healthz (its api_url).</summary>
    public bool HealthProbe { get; init; } = true;
    /// <summary>The seconds of video the HLS playlist keeps: what a player can seek back in.</summary>
    public int PlaylistSeconds { get; init; } = 20;
    /// <summary>nginx's error log at info, which writes each publish (and its arguments, tokens included), for a test that counts publishes.</summary>
    public bool LogPublishes { get; init; }
}

/// <summary>
/// An nginx-rtmp streamer node of a portal's, as shipped: made through the portal's API (POST
/// /api/v1/streamers), then nginx started from the deploy/nginx-rtmp templates filled in with the hook
/// URL the portal gave, so that publish, play, update and every HLS request ask that portal. With an
/// <see cref="ArchiveRecording"/> it records for vigil-archive; with a live upstream it passes
/// /CAMERA/webrtc to vigil-live. The whole stack, the web, live and fault tests all make theirs so.
/// </summary>
public sealed class StreamerNode : IAsyncDisposable
{
    private readonly StreamerSettings _settings;
    private readonly bool _ownsDir;
    private ArchiveRecording? _archive;
    private string _liveUpstream = "127.0.0.1:9";

    private StreamerNode(string name, string dir, bool ownsDir, int rtmpPort, int httpPort, string hook, StreamerSettings settings)
    {
        Name = name;
        Dir = dir;
        _ownsDir = ownsDir;
        RtmpPort = rtmpPort;
        HttpPort = httpPort;
        Hook = hook;
        _settings = settings;
    }

    public string Name { get; }
    public string Dir { get; }
    public int RtmpPort { get; }
    public int HttpPort { get; }
    /// <summary>The portal's nginx-rtmp hook of this streamer, with its key.</summary>
    public string Hook { get; }
    /// <summary>Where viewers play HLS and open WebRTC.</summary>
    public string PublicUrl => $"http://{_settings.PublicHost}:{HttpPort}";
    public PeerProcess? Nginx { get; private set; }

    /// <summary>Makes the streamer at the portal through <paramref name="admin"/> (an admin's client of the portal at <paramref name="portal"/>); nginx is not started yet.</summary>
    public static async Task<StreamerNode> RegisterAsync(HttpClient admin, Uri portal, string name, StreamerSettings? settings = null)
    {
        settings ??= new StreamerSettings();
        var rtmpPort = settings.RtmpPort == 0 ? RelayProcess.FreePort() : settings.RtmpPort;
        var httpPort = settings.HttpPort == 0 ? RelayProcess.FreePort() : settings.HttpPort;
        var publicUrl = $"http://{settings.PublicHost}:{httpPort}";
        var body = new JsonObject
        {
            ["name"] = name,
            ["kind"] = settings.Kind,
            ["public_url"] = publicUrl,
            ["ingest_url"] = $"{settings.IngestScheme}://127.0.0.1:{rtmpPort}/live",
            ["capacity"] = settings.Capacity,
        };
        if (settings.HealthProbe)
        {
            // The portal probes the node where it runs, whatever host viewers use.
            body["api_url"] = $"http://127.0.0.1:{httpPort}/healthz";
        }
        using var answer = await admin.PostAsJsonAsync(new Uri(portal, "/api/v1/streamers"), body).ConfigureAwait(false);
        var text = await answer.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (answer.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/streamers ({name}): {(int)answer.StatusCode} {text}");
        }
        // The hook URL as the portal gives it, made absolute against the address nginx reaches it on.
        var hook = new Uri(portal, JsonNode.Parse(text)!["hooks"]!["nginx_rtmp"]!.GetValue<string>()).ToString();
        var dir = settings.Dir ?? Directory.CreateTempSubdirectory("vigil-streamer-").FullName;
        return new StreamerNode(name, dir, settings.Dir is null, rtmpPort, httpPort, hook, settings);
    }

    /// <summary>Makes the streamer at the portal and starts its nginx.</summary>
    public static async Task<StreamerNode> StartAsync(HttpClient admin, Uri portal, string name, StreamerSettings? settings = null,
        ArchiveRecording? archive = null)
    {
        var node = await RegisterAsync(admin, portal, name, settings).ConfigureAwait(false);
        try
        {
            await node.StartAsync(archive).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts nginx; returns once it takes RTMP connections.</summary>
    /// <param name="archive">vigil-archive's recording (null: the node records nothing; its archive forms answer 502).</param>
    /// <param name="liveUpstream">vigil-live's address:port (null: a closed port, so WebRTC answers 502 and pages fall back to HLS).</param>
    public async Task StartAsync(ArchiveRecording? archive = null, string? liveUpstream = null)
    {
        _archive = archive;
        _liveUpstream = liveUpstream ?? _liveUpstream;
        await StartAgainAsync().ConfigureAwait(false);
    }

    /// <summary>Starts nginx (again) on the same ports, folder and configuration.</summary>
    public async Task StartAgainAsync() =>
        (Nginx, _) = await MediaPeers.StartNginxStreamerAsync(Dir, RtmpPort, HttpPort, Hook, _settings.PlaylistSeconds, _settings.LogPublishes, _liveUpstream, _archive)
            .ConfigureAwait(false);

    /// <summary>Stops nginx with a signal (SIGKILL: the node dies with its connections, as a crashed host's would).</summary>
    public Task StopAsync(int signal = Posix.SigTerm) => Nginx?.StopAsync(signal) ?? Task.CompletedTask;

    /// <summary>SIGKILL: the node dies with its connections, as a crashed host's would.</summary>
    public Task KillAsync() => StopAsync(Posix.SigKill);

    /// <summary>Where nginx-rtmp writes a camera's HLS playlist.</summary>
    public string Playlist(string camera) => Path.Combine(Dir, "hls", camera, "index.m3u8");

    /// <summary>Waits until nginx-rtmp has written the camera's HLS playlist (its first fragments are out); how long that took, or null.</summary>
    public Task<TimeSpan?> PlaylistWrittenAsync(string camera, TimeSpan limit) => Poll.WithinAsync(limit, () => Task.FromResult(File.Exists(Playlist(camera))));

    /// <summary>How many times a publisher of this stream name got on (with <see cref="StreamerSettings.LogPublishes"/>, nginx logs each publish).</summary>
    public int Publishes(string camera)
    {
        var log = Path.Combine(Dir, "error.log");
        return File.Exists(log) ? File.ReadLines(log).Count(l => l.Contains($"publish: name='{camera}'", StringComparison.Ordinal)) : 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync().ConfigureAwait(false);
        }
        if (_ownsDir)
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
