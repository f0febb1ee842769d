using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Live.Tests;

/// <summary>
/// A streamer node with WebRTC, as shipped, in front of a real portal, as <see cref="VigilStack"/>
/// assembles it with the portal hosted in the test's process: nginx-rtmp from the deploy templates
/// (publish, play and HLS asked of the portal's hook; /CAMERA/webrtc proxied to vigil-live), Janus,
/// coturn and vigil-live from theirs, and a camera publishing H.264 into nginx-rtmp with its bound
/// device's publish token (ffmpeg, as a camera's agent does). The portal serves the built web portal;
/// a viewer may see the live camera and another one, but not a third.
/// </summary>
internal sealed class LiveStack : IAsyncDisposable
{
    private const string StreamerName = "live-1";
    private VigilStack _stack = null!;

    private LiveStack(string turnSecret, int turnPort)
    {
        TurnSecret = turnSecret;
        TurnPort = turnPort;
    }

    public PortalServer Portal { get; private set; } = null!;
    public string TurnSecret { get; }
    public int TurnPort { get; }
    public PortalClient Admin { get; private set; } = null!;
    public LiveNode Node { get; private set; } = null!;
    public PeerProcess Nginx { get; private set; } = null!;
    public PeerProcess Publisher { get; private set; } = null!;
    public string Camera { get; private set; } = "";
    /// <summary>A camera of the same streamer that the viewer may also see (its token must not open <see cref="Camera"/>).</summary>
    public string OtherCamera { get; private set; } = "";
    public string Group { get; private set; } = "";
    public DeviceMade Device { get; private set; } = null!;
    public string ViewerLogin { get; } = Unique("viewer");
    public string ViewerPassword { get; } = "pw-" + Guid.NewGuid().ToString("N");
    public long ViewerId { get; private set; }
    public PortalClient Viewer { get; private set; } = null!;
    /// <summary>The node's HTTP address, where viewers play HLS and open WebRTC.</summary>
    public string StreamerUrl { get; private set; } = "";
    /// <summary>The node's HLS directory (@HLS_DIR@): CAMERA/index.m3u8 and its fragments.</summary>
    public string HlsDir { get; private set; } = "";
    /// <summary>The node's nginx HTTP port, on loopback.</summary>
    public int HttpPort { get; private set; }
    public string Dir { get; } = Directory.CreateTempSubdirectory("vigil-live-").FullName;

    /// <param name="clockCamera">publish the camera that draws its wall clock in every frame (peers/clockcam.py), for the latency benchmark.</param>
    /// <param name="publicHost">the host viewers reach the streamer node by (its public_url, and coturn's address in the TURN URLs);
    /// loopback unless the viewer runs in a network namespace of its own.</param>
    /// <param name="liveArgs">vigil-live's options beyond the stack's own; by default a 5 s linger, so that the tests see feeds end
    /// (the benchmarks pass none: the shipped defaults).</param>
    /// <param name="gop">the clock camera's frames from one keyframe to the next (25: a second).</param>
    public static async Task<LiveStack> StartAsync(bool clockCamera = false, string publicHost = "127.0.0.1", string[]? liveArgs = null, int gop = 25)
    {
        var root = Repository.Root;
        var web = Path.Combine(root, "portal-web", "dist");
        foreach (var needed in (string[])["/usr/bin/janus", "/usr/bin/turnserver", "/usr/sbin/nginx", "/usr/bin/ffmpeg", Path.Combine(web, "index.html")])
        {
            if (!File.Exists(needed))
            {
                Assert.Fail($"{needed} is missing: ./build.sh test installs janus, coturn, nginx-rtmp and ffmpeg and builds the web portal");
            }
        }
        var live = new LiveStack(Guid.NewGuid().ToString("N"), RelayProcess.FreePort());
        try
        {
            // No camera of this stack has an agent: the agent binary is named only because the stack's options name one.
            live._stack = await VigilStack.StartAsync(new StackOptions(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), AgentBinary.Published() ?? "",
                MediaPeers.CameraScript, Path.Combine(live.Dir, "stack"))
            {
                HostPortal = HostedPortal.On(o => (o.WebRoot, o.TurnSecret, o.TurnPort) = (web, live.TurnSecret, live.TurnPort)),
                StreamerName = StreamerName,
                HealthProbe = true,
                StreamerPublicHost = publicHost,
                StartLive = async streamer =>
                {
                    live.HlsDir = Path.Combine(streamer.Dir, "hls");
                    live.Node = await LiveNode.StartAsync(Path.Combine(live.Dir, "node"), streamer.Hook, streamer.RtmpPort, live.TurnSecret, live.TurnPort,
                        liveArgs ?? ["--linger-seconds", "5"], hlsDir: live.HlsDir);
                    return (live.Node, live.Node.LiveUpstream);
                },
            });
            live.Portal = ((HostedPortal)live._stack.Portal).Server;
            await live.BuildAsync(clockCamera, gop);
            return live;
        }
        catch
        {
            await live.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(bool clockCamera, int gop)
    {
        Admin = await Portal.AdminAsync();
        var streamer = _stack.Streamer;
        StreamerUrl = streamer.PublicUrl;
        HttpPort = streamer.HttpPort;
        Nginx = streamer.Nginx!;

        Group = await GroupAsync(Admin);
        Camera = await CameraAsync(Admin, StreamerName, group: Group);
        OtherCamera = await CameraAsync(Admin, StreamerName, group: Group);
        Device = await DeviceAsync(Portal, Admin, Camera);
        var user = await Admin.PostJsonAsync("/api/v1/users", new { login = ViewerLogin, password = ViewerPassword, role = "user" });
        Assert.That(user.Status, Is.EqualTo(HttpStatusCode.Created), user.Text);
        ViewerId = user.Json!["id"]!.GetValue<long>();
        await MemberAsync(Admin, Group, ViewerId);
        Viewer = await Portal.LoginAsync(ViewerLogin, ViewerPassword);

        var ingest = $"rtmp://127.0.0.1:{streamer.RtmpPort}/live/{Camera}?token={Device.PublishToken}";
        Publisher = clockCamera
            ? PeerProcess.Start("clock-camera", MediaPeers.Python, [Path.Combine(Repository.Root, "tests", "Vigil.Live.Tests", "peers", "clockcam.py"), ingest,
                gop.ToString(CultureInfo.InvariantCulture)])
            : StartPublisher(ingest);
        Assert.That(await streamer.PlaylistWrittenAsync(Camera, TimeSpan.FromSeconds(30)), Is.Not.Null, $"the camera does not publish: {Publisher.Output}");
    }

    /// <summary>A camera as its agent publishes: H.264 (High profile, as cameras send), one-second GOPs, 25 frames a second, in real time.</summary>
    public static PeerProcess StartPublisher(string url) => PeerProcess.Start("camera", "/usr/bin/ffmpeg",
        ["-hide_banner", "-nostdin", "-loglevel", "warning", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv", url]);

    /// <summary>A fresh playback answer for the viewer.</summary>
    public Task<JsonNode> PlaybackAsync(string? camera = null) => Streaming.PlaybackAsync(Viewer, camera ?? Camera);

    /// <summary>What the browser scenarios are told.</summary>
    public JsonObject Config() => new()
    {
        ["url"] = Portal.BaseAddress.ToString().TrimEnd('/'),
        ["viewer"] = new JsonObject { ["login"] = ViewerLogin, ["password"] = ViewerPassword },
        ["camera"] = Camera,
        ["screenshots"] = Path.Combine(Repository.Root, "artifacts", "screenshots"),
    };

    public string Logs() => $"vigil-live:\n{Node.Live.Output}\njanus (tail):\n{Tail(Node.Janus.Output)}\nnginx:\n{Tail(Nginx.Output)}";

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    public async ValueTask DisposeAsync()
    {
        if (Publisher is not null)
        {
            await Publisher.DisposeAsync();
        }
        Viewer?.Dispose();
        Admin?.Dispose();
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // a process still writing its log: the temporary directory is the system's to clean
        }
    }

    public static string Seconds(double s) => s.ToString("0.00", CultureInfo.InvariantCulture);
}
