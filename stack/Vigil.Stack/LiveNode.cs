using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Vigil.Stack;

/// <summary>
/// The WebRTC side of a streamer node as shipped (deploy/coturn, deploy/janus, vigil-live), filled in
/// and started beside an nginx-rtmp node: coturn for STUN and TURN, Janus with its streaming plugin
/// on loopback, and vigil-live between the viewers and Janus, asking the portal's hook. What the
/// tests and the live benchmark run is what an operator installs.
/// </summary>
public sealed class LiveNode : IAsyncDisposable
{
    private readonly List<PeerProcess> _processes = [];

    private LiveNode(string dir) => Dir = dir;

    public string Dir { get; }
    /// <summary>vigil-live's address:port on loopback, which the node's nginx proxies /CAMERA/webrtc to.</summary>
    public string LiveUpstream { get; private set; } = "";
    /// <summary>The address Janus and coturn put in their candidates: the machine's first non-loopback IPv4 address.</summary>
    public IPAddress HostAddress { get; private set; } = IPAddress.None;
    public int TurnPort { get; private set; }
    public PeerProcess Live { get; private set; } = null!;
    public PeerProcess Janus { get; private set; } = null!;
    public PeerProcess Turn { get; private set; } = null!;

    /// <summary>
    /// Starts coturn, Janus and vigil-live in <paramref name="dir"/>. The node's nginx (already
    /// running or started next with <see cref="LiveUpstream"/>) is on rtmpPort; hookUrl is the
    /// portal's nginx-rtmp hook of the streamer with its key; turnSecret and turnPort are coturn's, as
    /// the portal knows them (PortalOptions.TurnSecret, TurnPort).
    /// </summary>
    /// <param name="liveArgs">more of vigil-live's options (e.g. --linger-seconds 5).</param>
    /// <param name="hlsDir">the node's HLS directory (@HLS_DIR@), from which vigil-live primes a new feed with the camera's latest keyframe; null: not primed.</param>
    public static async Task<LiveNode> StartAsync(string dir, string hookUrl, int rtmpPort, string turnSecret, int turnPort, IReadOnlyList<string>? liveArgs = null,
        string? hlsDir = null)
    {
        var root = Repository.Root;
        var node = new LiveNode(dir);
        try
        {
            node.TurnPort = turnPort;
            await node.StartAllAsync(root, hookUrl, rtmpPort, turnSecret, [.. liveArgs ?? [], .. hlsDir is null ? (string[])[] : ["--hls-dir", hlsDir]]).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartAllAsync(string root, string hookUrl, int rtmpPort, string turnSecret, IReadOnlyList<string> liveArgs)
    {
        Directory.CreateDirectory(Dir);
        HostAddress = LocalAddress();
        var host = HostAddress.ToString();
        // UDP port ranges of their own, so that runs on the same machine do not meet: 140 for the
        // viewers' media (Janus takes one per PeerConnection; the viewers benchmark opens 50), 20 for
        // the feeds, 40 for coturn's relays.
        var basePort = 20000 + RandomNumberGenerator.GetInt32(0, 200) * 200;
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        string Range(int from, int to) => string.Create(CultureInfo.InvariantCulture, $"{from}-{to}");

        var coturnConf = Path.Combine(Dir, "turnserver.conf");
        await FillAsync(Path.Combine(root, "deploy", "coturn", "turnserver.conf.template"), coturnConf, new()
        {
            // Every address: the machine's own (Janus's STUN check) and loopback (the portal names
            // coturn by the host of the streamer's public_url, 127.0.0.1 here).
            ["LISTEN_IP"] = "0.0.0.0",
            ["LISTEN_PORT"] = TurnPort.ToString(CultureInfo.InvariantCulture),
            ["RELAY_IP"] = host,
            ["EXTERNAL_IP"] = host,
            ["RELAY_PORTS_MIN"] = (basePort + 160).ToString(CultureInfo.InvariantCulture),
            ["RELAY_PORTS_MAX"] = (basePort + 199).ToString(CultureInfo.InvariantCulture),
            ["REALM"] = "vigil.test",
            ["TURN_SECRET"] = turnSecret,
            ["STATE_DIR"] = Dir,
        }).ConfigureAwait(false);
        Turn = Start("coturn", "/usr/bin/turnserver", ["-c", coturnConf]);
        await WaitForUdpAsync(TurnPort).ConfigureAwait(false);

        var janusDir = Path.Combine(Dir, "janus");
        Directory.CreateDirectory(janusDir);
        var janusPort = RelayProcess.FreePort();
        var values = new Dictionary<string, string>
        {
            ["CONF_DIR"] = janusDir,
            ["STATE_DIR"] = Dir,
            ["JANUS_LIB_DIR"] = Directory.GetDirectories("/usr/lib").Select(d => Path.Combine(d, "janus")).FirstOrDefault(Directory.Exists)
                ?? throw new FileNotFoundException("Debian's janus modules (/usr/lib/ARCH/janus) are missing: ./build.sh test installs janus"),
            ["API_SECRET"] = secret,
            ["RTP_PORTS"] = Range(basePort, basePort + 139),
            ["FEED_PORTS"] = Range(basePort + 140, basePort + 159),
            ["PUBLIC_IP"] = host,
            ["JANUS_PORT"] = janusPort.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var name in (string[])["janus.jcfg", "janus.transport.http.jcfg", "janus.plugin.streaming.jcfg"])
        {
            await FillAsync(Path.Combine(root, "deploy", "janus", name + ".template"), Path.Combine(janusDir, name), values).ConfigureAwait(false);
        }
        Janus = Start("janus", "/usr/bin/janus", ["-C", Path.Combine(janusDir, "janus.jcfg"), "-F", janusDir]);
        await WaitForTcpAsync(Janus, janusPort).ConfigureAwait(false);

        var livePort = RelayProcess.FreePort();
        LiveUpstream = $"127.0.0.1:{livePort}";
        Live = Start("vigil-live", "dotnet", [LiveDll(root),
            "--listen", $"http://{LiveUpstream}",
            "--hook-url", hookUrl,
            "--rtmp-url", $"rtmp://127.0.0.1:{rtmpPort}/live",
            "--janus-url", $"http://127.0.0.1:{janusPort}/janus",
            "--janus-secret", secret, .. liveArgs]);
        await WaitForTcpAsync(Live, livePort).ConfigureAwait(false);
    }

    /// <summary>vigil-live's /stats: viewers in all, feeds running, viewers per camera.</summary>
    public async Task<JsonObject> StatsAsync()
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{LiveUpstream}/stats")).ConfigureAwait(false))!.AsObject();
    }

    public async Task<int> ViewersAsync() => (await StatsAsync().ConfigureAwait(false))["viewers"]!.GetValue<int>();

    /// <summary>The vigil-live program built beside the caller (the same configuration: Release or Debug).</summary>
    /// <summary>vigil-live's built program (streamer/Vigil.Live, the configuration of the running tests).</summary>
    public static string LiveDll(string root)
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(root, "streamer", "Vigil.Live", "bin", configuration, "net10.0", "vigil-live.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"vigil-live is not built: dotnet build streamer/Vigil.Live -c {configuration}", dll);
    }

    private PeerProcess Start(string name, string file, IEnumerable<string> args)
    {
        if (!File.Exists(file) && file != "dotnet")
        {
            throw new FileNotFoundException($"{file} is missing: ./build.sh test installs janus and coturn", file);
        }
        var process = PeerProcess.Start(name, file, args, Dir);
        _processes.Add(process);
        return process;
    }

    private static async Task FillAsync(string template, string output, Dictionary<string, string> values) =>
        await File.WriteAllTextAsync(output, StreamerConfig.Fill(await File.ReadAllTextAsync(template).ConfigureAwait(false), values, Path.GetFileName(template)))
            .ConfigureAwait(false);

    /// <summary>Waits until the process accepts TCP connections on the loopback port.</summary>
    private static async Task WaitForTcpAsync(PeerProcess process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"{process.Name} does not listen on {port} ({e.Message}): {process.Output}");
            }
        }
    }

    /// <summary>Waits until coturn answers a STUN binding request (RFC 5389) on the port.</summary>
    private async Task WaitForUdpAsync(int port)
    {
        using var udp = new UdpClient(new IPEndPoint(HostAddress, 0));
        var request = new byte[20];
        request[1] = 1; // Binding Request
        request[4] = 0x21; request[5] = 0x12; request[6] = 0xA4; request[7] = 0x42; // magic cookie
        RandomNumberGenerator.Fill(request.AsSpan(8));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            await udp.SendAsync(request, new IPEndPoint(HostAddress, port)).ConfigureAwait(false);
            using var wait = new CancellationTokenSource(300);
            try
            {
                await udp.ReceiveAsync(wait.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                // not yet
            }
        }
        throw new TimeoutException($"coturn does not answer STUN on {HostAddress}:{port}: {Turn.Output}");
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback: Janus gathers no loopback candidates.</summary>
    public static IPAddress LocalAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("no non-loopback IPv4 address: Janus needs one for its candidates");

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync().ConfigureAwait(false);
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }
    }
}
