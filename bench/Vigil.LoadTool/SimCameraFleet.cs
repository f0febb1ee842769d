using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Protocol.Noise;
using Vigil.Scan.CameraSim;

namespace Vigil.LoadTool;

/// <summary>
/// Cameras behind agents, simulated in this process, for a portal process to manage: one
/// vigil-relay process registered with the portal (hellos, presence, the portal's tunnel key),
/// one simulated agent per camera (the real protocol, one session each, tunnels allowed to its
/// camera's port only), and vigil-camsim's HTTP server playing a Hikvision camera on each port
/// (HTTP Digest, the camsim's SOAP answers, a PullPoint service and a still of its own). Camera i
/// is "bench-cam-NNNNN" with the onvif:// source of its port; its agent's serial is SIMNNNNNN.
/// </summary>
public sealed class SimCameraFleet : IAsyncDisposable
{
    public const string CameraPassword = "bench-cam-pw";

    private SimCameraFleet(RelayProcess relay, SimHttpServer cameras, List<int> ports, List<SimDevice> devices)
    {
        Relay = relay;
        Cameras = cameras;
        Ports = ports;
        Devices = devices;
    }

    public RelayProcess Relay { get; }
    public SimHttpServer Cameras { get; }
    public List<int> Ports { get; }
    public List<SimDevice> Devices { get; }
    public List<SimAgent> Agents { get; private set; } = [];

    /// <summary>The device id of each agent's serial, once all of them are pending at the portal.</summary>
    public Dictionary<string, string> DeviceIds { get; } = new(StringComparer.Ordinal);

    public static string CameraName(int i) => $"bench-cam-{i:D5}";

    public static string Serial(int i) => $"SIM{i:D6}";

    /// <summary>
    /// The portal's environment for a fleet: every agent comes from 127.0.0.1 through one relay, so
    /// the enrolment caps of an address and of a node are set above the fleet, as an operator would for a site.
    /// </summary>
    public static Dictionary<string, string> PortalEnvironment(int cameras) => new()
    {
        ["VIGIL_PORTAL_EnrolmentMaxPendingPerAddress"] = (cameras + 10).ToString(CultureInfo.InvariantCulture),
        ["VIGIL_PORTAL_EnrolmentMaxPendingPerRelay"] = (cameras + 10).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Starts the relay and the cameras, connects the agents and waits until the portal lists each device pending.</summary>
    public static async Task<SimCameraFleet> StartAsync(string relayDll, PortalProcess portal, string dir, int count, INoiseAeadFactory aead, INoiseDh dh, Action<string, string> figure)
    {
        var (relay, _) = await PortalRelayNode.StartAsync(portal.Api, portal.BaseAddress, relayDll, "bench-relay", tunnels: true, dir: Path.Combine(dir, "relay"),
            extraArgs: ["--heartbeat-interval", "30", "--heartbeat-timeout", "120"]).ConfigureAwait(false);
        try
        {
            // The kernel may hand a just-released port out again: asked until there are enough distinct ones.
            var free = new HashSet<int>();
            while (free.Count < count)
            {
                free.Add(RelayProcess.FreePort());
            }
            var ports = free.ToList();
            var devices = ports.Select(p => new SimDevice
            {
                Address = "127.0.0.1",
                Wsd = "none",
                Onvif = new SimOnvif { Flavour = "hik", Auth = "digest", User = "admin", Password = CameraPassword, Port = p },
            }).ToList();
            var dataDir = Path.Combine(Repository.Root, "tests", "Vigil.Scan.Tests");
            var cameras = await SimHttpServer.StartAsync(new SimConfig { DataDir = dataDir, Devices = devices },
                ports.Select(p => new IPEndPoint(IPAddress.Loopback, p))).ConfigureAwait(false);
            cameras.RecordRequests = false;
            var fleet = new SimCameraFleet(relay, cameras, ports, devices);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            fleet.Agents = await fleet.ConnectAsync(aead, dh).ConfigureAwait(false);
            figure("agents_connected_seconds", clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
            await fleet.PendingAsync(portal).ConfigureAwait(false);
            figure("devices_pending_seconds", clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
            return fleet;
        }
        catch
        {
            await relay.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Imports the cameras by CSV, on <paramref name="streamer"/> when one is named.</summary>
    public async Task ImportAsync(PortalProcess portal, string? streamer = null)
    {
        var csv = new StringBuilder(streamer is null ? "name,stream_url\n" : "name,stream_url,streamer\n");
        for (var i = 0; i < Ports.Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{CameraName(i)},onvif://admin:{CameraPassword}@127.0.0.1:{Ports[i]}/MediaProfile00000");
            csv.Append(streamer is null ? "\n" : $",{streamer}\n");
        }
        using var import = await portal.Api.PostAsync("/api/v1/cameras/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")).ConfigureAwait(false);
        import.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Binds each device to its camera, then approves it, one after another as an operator's
    /// script would; <paramref name="each"/> runs after every camera.
    /// </summary>
    public async Task BindAndApproveAsync(PortalProcess portal, Action each)
    {
        for (var i = 0; i < Ports.Count; i++)
        {
            var id = DeviceIds[Serial(i)];
            using (var bind = await portal.Api.PostAsJsonAsync($"/api/v1/devices/{id}/bind", new { camera = CameraName(i) }).ConfigureAwait(false))
            {
                bind.EnsureSuccessStatusCode();
            }
            using (var approve = await portal.Api.PostAsync($"/api/v1/devices/{id}/approve", null).ConfigureAwait(false))
            {
                approve.EnsureSuccessStatusCode();
            }
            each();
        }
    }

    private async Task<List<SimAgent>> ConnectAsync(INoiseAeadFactory aead, INoiseDh dh)
    {
        var agents = new SimAgent[Ports.Count];
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Ports.Count)
            {
                using var key = KeyPair.Generate();
                agents[i] = await SimAgent.ConnectAsync(Relay.AgentEndPoint, Relay.PublicKey, key, aead, Serial(i), [Ports[i]], dh: dh).ConfigureAwait(false);
                await agents[i].HelloOk.ConfigureAwait(false);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
        return [.. agents];
    }

    private async Task PendingAsync(PortalProcess portal)
    {
        var found = await Poll.WithinAsync(TimeSpan.FromMinutes(3), async () =>
        {
            DeviceIds.Clear();
            for (var offset = 0; ; offset += 1000)
            {
                var page = JsonNode.Parse(await portal.Api.GetStringAsync($"/api/v1/devices?state=pending&limit=1000&offset={offset}").ConfigureAwait(false))!.AsArray();
                foreach (var d in page)
                {
                    DeviceIds[d!["serial"]!.GetValue<string>()] = d["id"]!.GetValue<string>();
                }
                if (page.Count < 1000)
                {
                    break;
                }
            }
            return DeviceIds.Count >= Ports.Count;
        }).ConfigureAwait(false);
        if (found is null)
        {
            throw new InvalidOperationException($"{DeviceIds.Count} of {Ports.Count} devices pending at the portal after 3 min:\n{portal.Log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var a in Agents)
        {
            a.Close("bench over");
        }
        await Cameras.DisposeAsync().ConfigureAwait(false);
        await Relay.DisposeAsync().ConfigureAwait(false);
    }
}
