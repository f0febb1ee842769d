using Vigil.Stack;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// The real processes of a cluster, as the fault tests start them: portal instances, relay nodes
/// registered at a portal, nginx-rtmp streamers whose hooks ask a portal, AOT agents that know
/// several relays, the GStreamer camera, and ffprobe to play what a streamer serves.
/// </summary>
internal static class ClusterRig
{
    public const string Ffprobe = "/usr/bin/ffprobe";

    public static string PortalDll => Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll");
    public static string RelayDll => Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll");
    public static string Agent => AgentBinary.Aot();

    /// <summary>Fails in CI, and skips elsewhere, when a real peer these tests run is not installed.</summary>
    public static void RequirePeers()
    {
        if (MediaPeers.Missing(Ffprobe) is not { } why)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(why);
        }
        Assert.Ignore(why);
    }

    /// <summary>An API client of a portal process, logged in as its admin.</summary>
    public static PortalClient Admin(PortalProcess portal)
    {
        var client = new PortalClient(new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });
        client.Http.DefaultRequestHeaders.Authorization = portal.Api.DefaultRequestHeaders.Authorization;
        return client;
    }

    /// <summary>
    /// Registers a relay node at a portal (its API address and token) and starts it, reporting to
    /// that portal. With a <paramref name="gate"/>, the portal reaches the node's API through it.
    /// </summary>
    public static async Task<RelayProcess> StartRelayAsync(PortalClient admin, Uri portal, string nodeId, TcpGate? gate = null) =>
        (await PortalRelayNode.StartAsync(admin.Http, portal, RelayDll, nodeId, apiVia: gate is null ? null : apiPort =>
        {
            gate.Target = apiPort;
            return gate.Port;
        })).Relay;

    /// <summary>
    /// Starts an agent that knows these relays, in this order of preference (it tries the next one
    /// when one fails), with a short heartbeat; waits for its device id.
    /// </summary>
    public static async Task<AgentProcess> StartAgentAsync(IEnumerable<RelayProcess> relays, string serial)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-agent-").FullName;
        var config = new AgentConfigFile
        {
            StateDir = Path.Combine(dir, "state"),
            Serial = serial,
            HeartbeatInterval = TimeSpan.FromSeconds(5),
            HeartbeatTimeout = TimeSpan.FromSeconds(15),
            StatsInterval = TimeSpan.FromSeconds(1),
        };
        foreach (var relay in relays)
        {
            config.AddRelay(relay);
        }
        var agent = AgentProcess.Start(Agent, dir, config);
        Assert.That(await Eventually.True(() => Task.FromResult(agent.ReadDeviceId() is not null || agent.HasExited), 30), Is.True, agent.Log);
        Assert.That(agent.HasExited, Is.False, agent.Log);
        return agent;
    }

    /// <summary>The device ids a relay holds a session for.</summary>
    public static async Task<HashSet<string>> SessionsAsync(RelayProcess relay)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/sessions"));
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("device_id").GetString()!).ToHashSet();
    }

    /// <summary>Whether the portal shows the device connected.</summary>
    public static async Task<bool> ConnectedAsync(PortalClient admin, string deviceId) =>
        (await admin.GetAsync($"/api/v1/devices/{deviceId}")).Json?["connected"]?.GetValue<bool>() == true;

    /// <summary>
    /// An nginx-rtmp streamer node registered at a portal (its HTTP root as the API address the portal
    /// probes), logging each publish and keeping an hour of HLS; with another <paramref name="kind"/>
    /// (and <paramref name="ingestScheme"/>) the portal is told of a streamer of that kind whose health
    /// is this nginx's, for placement tests.
    /// </summary>
    public static Task<StreamerNode> StreamerAsync(PortalClient admin, Uri portal, string name, int capacity = 100, string kind = "nginx-rtmp", string ingestScheme = "rtmp") =>
        StreamerNode.StartAsync(admin.Http, portal, name, new StreamerSettings
        {
            Capacity = capacity,
            Kind = kind,
            IngestScheme = ingestScheme,
            PlaylistSeconds = 3600,
            LogPublishes = true,
        });

    /// <summary>How many video frames ffprobe decodes from a second of a playlist (a live playlist never ends); 0 when it plays nothing.</summary>
    public static async Task<int> DecodedFramesAsync(string playlist) =>
        (await VigilStack.ProbeAsync(playlist, TimeSpan.FromSeconds(20), seconds: 1)).Frames;
}
