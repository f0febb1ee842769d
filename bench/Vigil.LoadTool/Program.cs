using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Vigil.LoadTool;
using Vigil.Protocol.Noise;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Api;
using Vigil.Protocol.OpenSsl;

// vigil-load bench <idle|handshakes|rtt|tunnel|agent|import|media|ota|ota-netem|subscriptions|grid> --relay-dll PATH [--agent PATH] [options]
// vigil-load bench hooks --portal-dll PATH [options]; vigil-load serve-bare --listen URL (the hook bench's floor)
// Each scenario starts its own server processes on loopback and prints its figures as "figure: value" lines.
if (args is ["serve-bare", "--listen", var bareListen])
{
    await BareKestrel.RunAsync(bareListen);
    return 0;
}
var scenario = args.Length > 1 && args[0] == "bench" ? args[1] : "help";
string Opt(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
int Int(string name, int fallback) => int.Parse(Opt(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var relayDll = Opt("--relay-dll", "");
var agentBinary = Opt("--agent", "");
var aead = NativeChaChaPolyFactory.Instance;
// The simulated agents share the machine with the relay: OpenSSL's X25519 keeps their share small.
INoiseDh dh = NativeX25519.IsSupported ? NativeX25519.Instance : ManagedX25519.Instance;

switch (scenario)
{
    case "idle": await IdleMemory(Int("--agents", 19_500)); break;
    case "handshakes": await Handshakes(Int("--seconds", 10), Int("--concurrency", 32)); break;
    case "rtt": await RoundTrip(Int("--agents", 1000), Int("--commands", 5000)); break;
    case "tunnel": await Tunnel(Int("--megabytes", 512)); break;
    case "agent": await AgentFootprint(Int("--seconds", 20)); break;
    case "media": await MediaBench.RunAsync(agentBinary, Int("--seconds", 60), Int("--kbps", 4000), Figure); break;
    case "archive": await ArchiveBench.RunAsync(Opt("--archive-dll", ""), Int("--cameras", 1000), Int("--days", 7), Int("--lookups", 20), Figure); break;
    case "recording":
        await RecordingBench.RunAsync(new RecordingBench.Options(Opt("--archive-dll", ""), Int("--cameras", 50), Int("--seconds", 60), Int("--kbps", 2000), Opt("--interval", "1m")), Figure);
        break;
    case "ota": await OtaBench.RunAsync(relayDll, agentBinary, Int("--agents", 1000), Int("--kilobytes", 2048), (r, n) => ConnectMany(r, n, 32), Figure); break;
    case "ota-netem": await OtaNetemBench.RunAsync(relayDll, agentBinary, Int("--kilobytes", 2048), Int("--kbit", 1000), Int("--cut-seconds", 30), Figure); break;
    case "import":
        // PostgreSQL is the one the tests use (VIGIL_TEST_PG).
        await ImportBench.RunAsync(Opt("--portal-dll", Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll")),
            Opt("--postgres", Environment.GetEnvironmentVariable("VIGIL_TEST_PG") ?? ""), Int("--rows", 100_000), Int("--heap-limit-mib", 0));
        break;
    case "hooks":
        await HookBench.RunAsync(Opt("--portal-dll", ""), Int("--cameras", 2000), Int("--users", 200), Int("--seconds", 15),
            Int("--connections", 64), Int("--threads", 2), Int("--rounds", 2));
        break;
    case "startup":
        await StartupBench.RunAsync(Opt("--portal-dll", ""), Int("--starts", 10), Opt("--against", ""));
        break;
    case "flood":
        await FloodBench.RunAsync(relayDll, Opt("--portal-dll", ""), Int("--agents", 100), Int("--seconds", 60), Figure);
        break;
    case "subscriptions":
        await SubscriptionBench.RunAsync(new SubscriptionBench.Options(Opt("--portal-dll", ""), relayDll, Int("--cameras", 1000), Int("--events-per-second", 20), Int("--seconds", 60)),
            aead, dh, Figure);
        break;
    case "grid":
        await GridBench.RunAsync(new GridBench.Options(Opt("--portal-dll", ""), relayDll, Int("--cameras", 50), Int("--seconds", 60)), aead, dh, Figure);
        break;
    default:
        Console.Error.WriteLine("usage: vigil-load bench <idle|handshakes|rtt|tunnel|agent|import|media|ota|ota-netem|subscriptions|grid> --relay-dll PATH [--agent PATH] | bench hooks --portal-dll PATH");
        return 2;
}
return 0;

static void Figure(string name, string value) => Console.WriteLine($"{name}: {value}");

async Task<List<SimAgent>> ConnectMany(RelayProcess relay, int count, int concurrency, IReadOnlyCollection<int>? ports = null)
{
    var agents = new SimAgent[count];
    var next = -1;
    async Task Worker()
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            using var key = KeyPair.Generate();
            agents[i] = await SimAgent.ConnectAsync(relay.AgentEndPoint, relay.PublicKey, key, aead, $"SIM{i:D6}", ports, dh: dh).ConfigureAwait(false);
            await agents[i].HelloOk.ConfigureAwait(false);
        }
    }
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
    return [.. agents];
}

async Task IdleMemory(int count)
{
    // Heartbeats every 30 s: an idle fleet, as in production, not a ping storm.
    await using var relay = await RelayProcess.StartAsync(relayDll, ["--heartbeat-interval", "30", "--heartbeat-timeout", "120"]);
    await Task.Delay(3000);
    var before = relay.ResidentBytes();
    var sw = Stopwatch.StartNew();
    var agents = await ConnectMany(relay, count, 64);
    Figure("connect_seconds", sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
    while (await relay.SessionsAsync() < count)
    {
        await Task.Delay(200);
    }
    // Let the relay's allocations from the connect wave settle before reading its resident set.
    await Task.Delay(15_000);
    var after = relay.ResidentBytes();
    var metrics = await relay.Api.GetStringAsync("/metrics");
    foreach (var line in metrics.Split('\n').Where(l => l.StartsWith("vigil_relay_gc_", StringComparison.Ordinal)))
    {
        var parts = line.Split(' ');
        Figure(parts[0] + "_per_agent", (double.Parse(parts[1], CultureInfo.InvariantCulture) / count).ToString("F0", CultureInfo.InvariantCulture));
    }
    Figure("agents", count.ToString(CultureInfo.InvariantCulture));
    Figure("relay_rss_before_mib", (before / 1048576.0).ToString("F1", CultureInfo.InvariantCulture));
    Figure("relay_rss_after_mib", (after / 1048576.0).ToString("F1", CultureInfo.InvariantCulture));
    Figure("relay_bytes_per_idle_agent", ((after - before) / (double)count).ToString("F0", CultureInfo.InvariantCulture));
    Figure("relay_kib_per_idle_agent", ((after - before) / 1024.0 / count).ToString("F2", CultureInfo.InvariantCulture));
    Figure("sessions_alive", agents.Count(a => !a.IsClosed).ToString(CultureInfo.InvariantCulture));
    foreach (var a in agents)
    {
        a.Close("done");
    }
}

async Task Handshakes(int seconds, int concurrency)
{
    await using var relay = await RelayProcess.StartAsync(relayDll, []);
    var keys = Enumerable.Range(0, 4096).Select(_ => KeyPair.Generate()).ToArray();
    var done = 0;
    var failures = 0;
    var until = Stopwatch.StartNew();
    var cpuBefore = ProcStatus.CpuTime(relay.Pid);
    async Task Worker(int w)
    {
        var i = w;
        while (until.Elapsed.TotalSeconds < seconds)
        {
            try
            {
                var agent = await SimAgent.ConnectAsync(relay.AgentEndPoint, relay.PublicKey, keys[i % keys.Length], aead, "HS", dh: dh).ConfigureAwait(false);
                await agent.HelloOk.ConfigureAwait(false);
                agent.Close("done");
                Interlocked.Increment(ref done);
            }
            catch (Exception e) when (e is IOException or SocketException or NoiseException)
            {
                Interlocked.Increment(ref failures);
            }
            i += concurrency;
        }
    }
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(() => Worker(w))));
    var elapsed = until.Elapsed.TotalSeconds;
    var cpu = (ProcStatus.CpuTime(relay.Pid) - cpuBefore).TotalSeconds;
    Figure("handshakes", done.ToString(CultureInfo.InvariantCulture));
    Figure("failures", failures.ToString(CultureInfo.InvariantCulture));
    Figure("handshakes_per_second", (done / elapsed).ToString("F0", CultureInfo.InvariantCulture));
    Figure("relay_cpu_seconds", cpu.ToString("F1", CultureInfo.InvariantCulture));
    Figure("relay_cpu_ms_per_handshake", (cpu * 1000 / Math.Max(1, done)).ToString("F3", CultureInfo.InvariantCulture));
    Figure("handshakes_per_relay_cpu_second", (done / Math.Max(0.001, cpu)).ToString("F0", CultureInfo.InvariantCulture));
}

async Task RoundTrip(int count, int commands)
{
    await using var relay = await RelayProcess.StartAsync(relayDll, ["--heartbeat-interval", "30", "--heartbeat-timeout", "120"]);
    var agents = await ConnectMany(relay, count, 32);
    var sessions = JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/sessions")).RootElement.EnumerateArray().Select(e => e.GetProperty("device_id").GetString()!).ToArray();
    var relayRtt = new List<double>();
    var httpRtt = new List<double>();
    var random = new Random(42);
    for (var i = 0; i < commands; i++)
    {
        var device = sessions[random.Next(sessions.Length)];
        var sw = Stopwatch.StartNew();
        using var response = await relay.Api.PostAsync($"/v1/sessions/{device}/commands", new StringContent("{\"name\":\"ping\"}", System.Text.Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        httpRtt.Add(sw.Elapsed.TotalMilliseconds);
        if (i >= 100)
        {
            relayRtt.Add(body.GetProperty("round_trip_ms").GetDouble());
        }
    }
    static double P(List<double> v, double q) => v.Order().ElementAt(Math.Min(v.Count - 1, (int)(v.Count * q)));
    Figure("agents", count.ToString(CultureInfo.InvariantCulture));
    Figure("commands", relayRtt.Count.ToString(CultureInfo.InvariantCulture));
    Figure("relay_rtt_p50_ms", P(relayRtt, 0.5).ToString("F3", CultureInfo.InvariantCulture));
    Figure("relay_rtt_p99_ms", P(relayRtt, 0.99).ToString("F3", CultureInfo.InvariantCulture));
    Figure("api_rtt_p99_ms", P(httpRtt, 0.99).ToString("F3", CultureInfo.InvariantCulture));
    Figure("answered_by_agents", agents.Sum(a => a.CommandsAnswered).ToString(CultureInfo.InvariantCulture));
}

async Task Tunnel(int megabytes)
{
    var total = (long)megabytes * 1024 * 1024;
    using var sink = new TcpListener(IPAddress.Loopback, 0);
    sink.Start();
    var sinkPort = ((IPEndPoint)sink.LocalEndpoint).Port;
    async Task<long> Drain()
    {
        using var c = await sink.AcceptTcpClientAsync();
        var s = c.GetStream();
        var buffer = new byte[256 * 1024];
        long n = 0;
        int r;
        while ((r = await s.ReadAsync(buffer)) > 0)
        {
            n += r;
        }
        return n;
    }
    async Task<double> Send(Stream s)
    {
        var buffer = new byte[64 * 1024];
        Random.Shared.NextBytes(buffer);
        var drained = Drain();
        var sw = Stopwatch.StartNew();
        for (long sent = 0; sent < total; sent += buffer.Length)
        {
            await s.WriteAsync(buffer);
        }
        s.Socket().Shutdown(SocketShutdown.Send);
        var got = await drained;
        var seconds = sw.Elapsed.TotalSeconds;
        if (got != total)
        {
            throw new InvalidOperationException($"the sink got {got} of {total} bytes");
        }
        return total / seconds / 1048576.0;
    }

    using (var direct = new TcpClient())
    {
        await direct.ConnectAsync(IPAddress.Loopback, sinkPort);
        Figure("direct_mib_per_s", (await Send(direct.GetStream())).ToString("F0", CultureInfo.InvariantCulture));
    }
    var direct2 = 0.0;
    using (var direct = new TcpClient())
    {
        await direct.ConnectAsync(IPAddress.Loopback, sinkPort);
        direct2 = await Send(direct.GetStream());
    }

    var (signing, verify) = TunnelToken.GenerateSigningKey();
    await using var relay = await RelayProcess.StartAsync(relayDll, ["--tunnel-key", Convert.ToBase64String(verify)]);
    var apiEndPoint = new IPEndPoint(IPAddress.Loopback, relay.Api.BaseAddress!.Port);
    string Token(string device) => new TunnelToken { DeviceId = device, Port = sinkPort, IssuedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5), Subject = "bench" }.Sign(signing);

    // Through the relay to a simulated agent (the platform AEAD on both ends): the relay's own ceiling.
    using (var key = KeyPair.Generate())
    {
        var sim = await SimAgent.ConnectAsync(relay.AgentEndPoint, relay.PublicKey, key, aead, "TUN", [sinkPort], dh: dh);
        await sim.HelloOk;
        var device = Vigil.Protocol.Link.DeviceIdentity.DeviceId(key.PublicKey);
        await using var tunnel = await TunnelClient.ConnectAsync(apiEndPoint, device, sinkPort, Token(device));
        var rate = await Send(tunnel);
        Figure("relay_sim_agent_mib_per_s", rate.ToString("F0", CultureInfo.InvariantCulture));
        Figure("relay_sim_agent_ratio", (rate / direct2).ToString("F3", CultureInfo.InvariantCulture));
        sim.Close("done");
    }

    if (agentBinary.Length > 0)
    {
        await using var agent = await AgentProcess.StartAsync(agentBinary, relay, [sinkPort]);
        await using var tunnel = await TunnelClient.ConnectAsync(apiEndPoint, agent.DeviceId, sinkPort, Token(agent.DeviceId));
        var rate = await Send(tunnel);
        Figure("relay_aot_agent_mib_per_s", rate.ToString("F0", CultureInfo.InvariantCulture));
        Figure("relay_aot_agent_ratio", (rate / direct2).ToString("F3", CultureInfo.InvariantCulture));
    }
    Figure("direct_mib_per_s_second_run", direct2.ToString("F0", CultureInfo.InvariantCulture));
}

async Task AgentFootprint(int seconds)
{
    if (agentBinary.Length == 0)
    {
        throw new InvalidOperationException("--agent PATH is required");
    }
    await using var relay = await RelayProcess.StartAsync(relayDll, ["--heartbeat-interval", "5", "--heartbeat-timeout", "20"]);
    await using var agent = await AgentProcess.StartAsync(agentBinary, relay, []);
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    Figure("agent_binary_bytes", new FileInfo(agentBinary).Length.ToString(CultureInfo.InvariantCulture));
    Figure("agent_idle_rss_mib", (ProcStatus.ResidentBytes(agent.Pid) / 1048576.0).ToString("F2", CultureInfo.InvariantCulture));
    Figure("agent_peak_rss_mib", (ProcStatus.PeakResidentBytes(agent.Pid) / 1048576.0).ToString("F2", CultureInfo.InvariantCulture));
}

internal static class StreamExtensions
{
    public static Socket Socket(this Stream s) => s is NetworkStream n ? n.Socket : throw new InvalidOperationException("not a socket stream");
}
