using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Protocol.Noise;
using Vigil.Scan.CameraSim;

namespace Vigil.LoadTool;

/// <summary>
/// `bench subscriptions`: many cameras whose events one portal subscribes to through one relay.
/// One vigil-portal process (SQLite) and one vigil-relay process reporting to it; simulated agents
/// (the real protocol, one session each) whose tunnel port reaches a simulated Hikvision camera of
/// vigil-camsim's HTTP server, which plays every camera in this process (a port each, HTTP Digest,
/// the camsim's own SOAP answers and PullPoint service). The cameras are imported by CSV, each
/// device bound and approved through the API, then the portal's EventSubscriber subscribes all of
/// them by itself. Events are raised round-robin at a rate and timed from the camera's UtcTime to
/// their arrival at a webhook receiver here (signature checked). Figures: time until every camera
/// is subscribed, the portal's and the relay's CPU and resident memory while they subscribe and in
/// the steady state, events delivered per second and their latency.
/// </summary>
public static class SubscriptionBench
{
    private const string CameraPassword = "bench-cam-pw";
    private const string WebhookSecret = "bench-webhook-secret-0123";

    public sealed record Options(string PortalDll, string RelayDll, int Cameras, int EventsPerSecond, int Seconds);

    public static async Task RunAsync(Options o, INoiseAeadFactory aead, INoiseDh dh, Action<string, string> figure)
    {
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        static string Mib(long bytes) => F(bytes / 1048576.0);
        var dir = Directory.CreateTempSubdirectory("vigil-bench-subscriptions-").FullName;
        try
        {
            figure("loadavg_at_start", File.ReadAllText("/proc/loadavg").Trim());
            await using var receiver = await WebhookReceiver.StartAsync(WebhookSecret).ConfigureAwait(false);
            // Every simulated agent comes from 127.0.0.1 through one relay: the enrolment caps of a
            // public address and of a node are set above the fleet, as an operator would for a site.
            var enrolment = new Dictionary<string, string>
            {
                ["VIGIL_PORTAL_EnrolmentMaxPendingPerAddress"] = (o.Cameras + 10).ToString(CultureInfo.InvariantCulture),
                ["VIGIL_PORTAL_EnrolmentMaxPendingPerRelay"] = (o.Cameras + 10).ToString(CultureInfo.InvariantCulture),
            };
            await using var portal = await PortalProcess.StartAsync(o.PortalDll, Path.Combine(dir, "portal.db"), enrolment).ConfigureAwait(false);
            await using var relay = await StartRelayAsync(o.RelayDll, portal, Path.Combine(dir, "relay")).ConfigureAwait(false);

            // The cameras: one simulated Hikvision per port, all in this process.
            var ports = Enumerable.Range(0, o.Cameras).Select(_ => RelayProcess.FreePort()).Distinct().ToList();
            var devices = ports.Select(p => new SimDevice
            {
                Address = "127.0.0.1",
                Wsd = "none",
                Onvif = new SimOnvif { Flavour = "hik", Auth = "digest", User = "admin", Password = CameraPassword, Port = p },
            }).ToList();
            var dataDir = Path.Combine(MediaPeers.RepositoryRoot(AppContext.BaseDirectory), "tests", "Vigil.Scan.Tests");
            await using var cameras = await SimHttpServer.StartAsync(new SimConfig { DataDir = dataDir, Devices = devices },
                ports.Select(p => new IPEndPoint(IPAddress.Loopback, p))).ConfigureAwait(false);
            cameras.RecordRequests = false;

            var clock = Stopwatch.StartNew();
            var agents = await ConnectAsync(relay, ports, aead, dh).ConfigureAwait(false);
            figure("agents_connected_seconds", F(clock.Elapsed.TotalSeconds));
            var ids = await PendingDevicesAsync(portal, ports.Count).ConfigureAwait(false);
            figure("devices_pending_seconds", F(clock.Elapsed.TotalSeconds));

            using (var webhook = await portal.Api.PutAsJsonAsync("/api/v1/settings/events-webhook", new { url = receiver.Url, secret = WebhookSecret }).ConfigureAwait(false))
            {
                webhook.EnsureSuccessStatusCode();
            }
            var csv = new StringBuilder("name,stream_url\n");
            for (var i = 0; i < ports.Count; i++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"bench-cam-{i:D5},onvif://admin:{CameraPassword}@127.0.0.1:{ports[i]}/MediaProfile00000\n");
            }
            using (var import = await portal.Api.PostAsync("/api/v1/cameras/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv")).ConfigureAwait(false))
            {
                import.EnsureSuccessStatusCode();
            }

            // Bound then approved, one device after another as an operator's script would: each
            // camera becomes subscribable at its approval.
            var cpuPortal0 = ProcStatus.CpuTime(portal.Pid);
            var cpuRelay0 = ProcStatus.CpuTime(relay.Pid);
            var subscribing = Stopwatch.StartNew();
            var peaks = new Peaks(portal.Pid, relay.Pid);
            for (var i = 0; i < ports.Count; i++)
            {
                var id = ids[$"SIM{i:D6}"];
                using (var bind = await portal.Api.PostAsJsonAsync($"/api/v1/devices/{id}/bind", new { camera = $"bench-cam-{i:D5}" }).ConfigureAwait(false))
                {
                    bind.EnsureSuccessStatusCode();
                }
                using (var approve = await portal.Api.PostAsync($"/api/v1/devices/{id}/approve", null).ConfigureAwait(false))
                {
                    approve.EnsureSuccessStatusCode();
                }
                peaks.Sample();
            }
            figure("bound_and_approved_seconds", F(subscribing.Elapsed.TotalSeconds));
            int Subscribed() => devices.Count(d => cameras.EventsOf(d).Subscriptions > 0);
            var all = await Poll.WithinAsync(TimeSpan.FromMinutes(10), () =>
            {
                peaks.Sample();
                return Task.FromResult(Subscribed() == devices.Count);
            }).ConfigureAwait(false);
            figure("cameras", devices.Count.ToString(CultureInfo.InvariantCulture));
            figure("cameras_subscribed", Subscribed().ToString(CultureInfo.InvariantCulture));
            figure("all_subscribed_seconds_from_first_approval", all is null ? "never (10 min)" : F(subscribing.Elapsed.TotalSeconds));
            figure("subscribing_portal_cpu_seconds", F((ProcStatus.CpuTime(portal.Pid) - cpuPortal0).TotalSeconds));
            figure("subscribing_relay_cpu_seconds", F((ProcStatus.CpuTime(relay.Pid) - cpuRelay0).TotalSeconds));
            figure("subscribing_portal_peak_rss_mib", Mib(peaks.Portal));
            figure("subscribing_relay_peak_rss_mib", Mib(peaks.Relay));
            var subscriptionsMade = devices.Sum(d => cameras.EventsOf(d).Subscribed);

            // Steady state: events raised round-robin at the rate, for the time.
            await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            peaks = new Peaks(portal.Pid, relay.Pid);
            receiver.Reset();
            var cpuPortal = ProcStatus.CpuTime(portal.Pid);
            var cpuRelay = ProcStatus.CpuTime(relay.Pid);
            var steady = Stopwatch.StartNew();
            var raised = 0;
            var interval = TimeSpan.FromSeconds(1.0 / Math.Max(1, o.EventsPerSecond));
            while (steady.Elapsed < TimeSpan.FromSeconds(o.Seconds))
            {
                // Paced by the clock, not by delays that add up: late ticks catch up.
                while (raised < steady.Elapsed / interval)
                {
                    cameras.EventsOf(devices[raised % devices.Count]).Raise("motion");
                    raised++;
                }
                peaks.Sample();
                await Task.Delay(10).ConfigureAwait(false);
            }
            var window = steady.Elapsed.TotalSeconds;
            var portalCpu = (ProcStatus.CpuTime(portal.Pid) - cpuPortal).TotalSeconds;
            var relayCpu = (ProcStatus.CpuTime(relay.Pid) - cpuRelay).TotalSeconds;
            // What was raised near the end still arrives: waited for, not counted as lost.
            await Poll.WithinAsync(TimeSpan.FromSeconds(15), () => Task.FromResult(receiver.Received >= raised)).ConfigureAwait(false);
            var latencies = receiver.Latencies();
            figure("steady_seconds", F(window));
            figure("events_raised", raised.ToString(CultureInfo.InvariantCulture));
            figure("events_delivered", latencies.Count.ToString(CultureInfo.InvariantCulture));
            figure("events_delivered_per_second", F(latencies.Count / window));
            figure("webhook_bad_signatures", receiver.BadSignatures.ToString(CultureInfo.InvariantCulture));
            if (latencies.Count > 0)
            {
                double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
                figure("event_latency_ms_p50", F(P(0.5), "F0"));
                figure("event_latency_ms_p95", F(P(0.95), "F0"));
                figure("event_latency_ms_max", F(latencies[^1], "F0"));
            }
            figure("steady_portal_cpu_percent_of_one_core", F(100 * portalCpu / window, "F1"));
            figure("steady_relay_cpu_percent_of_one_core", F(100 * relayCpu / window, "F1"));
            figure("steady_portal_peak_rss_mib", Mib(peaks.Portal));
            figure("steady_relay_peak_rss_mib", Mib(peaks.Relay));
            figure("portal_vmhwm_mib", Mib(ProcStatus.PeakResidentBytes(portal.Pid)));
            figure("relay_vmhwm_mib", Mib(ProcStatus.PeakResidentBytes(relay.Pid)));
            figure("subscriptions_made_during_steady_state", (devices.Sum(d => cameras.EventsOf(d).Subscribed) - subscriptionsMade).ToString(CultureInfo.InvariantCulture));
            figure("cameras_subscribed_at_end", Subscribed().ToString(CultureInfo.InvariantCulture));
            figure("agents_alive", agents.Count(a => !a.IsClosed).ToString(CultureInfo.InvariantCulture));
            figure("loadavg_at_end", File.ReadAllText("/proc/loadavg").Trim());
            foreach (var a in agents)
            {
                a.Close("bench over");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>A relay node registered with the portal, reporting hellos and presence to it and trusting its tunnel key.</summary>
    private static async Task<RelayProcess> StartRelayAsync(string relayDll, PortalProcess portal, string dir)
    {
        Directory.CreateDirectory(dir);
        var apiToken = "node-api-token-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(dir, "api.token"), apiToken + "\n").ConfigureAwait(false);
        var apiPort = RelayProcess.FreePort();
        using var registered = await portal.Api.PutAsJsonAsync("/api/v1/relays/bench-relay", new { api_url = $"http://127.0.0.1:{apiPort}", api_token = apiToken }).ConfigureAwait(false);
        registered.EnsureSuccessStatusCode();
        var portalToken = JsonNode.Parse(await registered.Content.ReadAsStringAsync().ConfigureAwait(false))!["portal_token"]!.GetValue<string>();
        await File.WriteAllTextAsync(Path.Combine(dir, "portal.token"), portalToken).ConfigureAwait(false);
        var tunnelKey = (await portal.Api.GetStringAsync("/api/v1/tunnel-key").ConfigureAwait(false)).Trim();
        return await RelayProcess.StartAsync(relayDll,
            ["--node-id", "bench-relay", "--portal-url", portal.BaseAddress.ToString(), "--portal-token-file", Path.Combine(dir, "portal.token"), "--tunnel-key", tunnelKey,
             "--heartbeat-interval", "30", "--heartbeat-timeout", "120"],
            dir, apiPort).ConfigureAwait(false);
    }

    /// <summary>One simulated agent per camera, serial SIM000000 up, each allowing tunnels to its camera's port only.</summary>
    private static async Task<List<SimAgent>> ConnectAsync(RelayProcess relay, List<int> ports, INoiseAeadFactory aead, INoiseDh dh)
    {
        var agents = new SimAgent[ports.Count];
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < ports.Count)
            {
                using var key = KeyPair.Generate();
                agents[i] = await SimAgent.ConnectAsync(relay.AgentEndPoint, relay.PublicKey, key, aead, $"SIM{i:D6}", [ports[i]], dh: dh).ConfigureAwait(false);
                await agents[i].HelloOk.ConfigureAwait(false);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
        return [.. agents];
    }

    /// <summary>The device id of each simulated agent's serial, once all of them are pending at the portal.</summary>
    private static async Task<Dictionary<string, string>> PendingDevicesAsync(PortalProcess portal, int count)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var found = await Poll.WithinAsync(TimeSpan.FromMinutes(3), async () =>
        {
            ids.Clear();
            for (var offset = 0; ; offset += 1000)
            {
                var page = JsonNode.Parse(await portal.Api.GetStringAsync($"/api/v1/devices?state=pending&limit=1000&offset={offset}").ConfigureAwait(false))!.AsArray();
                foreach (var d in page)
                {
                    ids[d!["serial"]!.GetValue<string>()] = d["id"]!.GetValue<string>();
                }
                if (page.Count < 1000)
                {
                    break;
                }
            }
            return ids.Count >= count;
        }).ConfigureAwait(false);
        return found is null ? throw new InvalidOperationException($"{ids.Count} of {count} devices pending at the portal after 3 min:\n{portal.Log}") : ids;
    }

    /// <summary>The largest resident sets seen of the portal and the relay while sampled.</summary>
    private sealed class Peaks(int portalPid, int relayPid)
    {
        public long Portal { get; private set; }
        public long Relay { get; private set; }

        public void Sample()
        {
            Portal = Math.Max(Portal, ProcStatus.ResidentBytes(portalPid));
            Relay = Math.Max(Relay, ProcStatus.ResidentBytes(relayPid));
        }
    }
}
