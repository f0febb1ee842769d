using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Vigil.Protocol.Noise;

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
            var portal = await PortalProcess.StartAsync(o.PortalDll, Path.Combine(dir, "portal.db"), SimCameraFleet.PortalEnvironment(o.Cameras)).ConfigureAwait(false);
            await using var stopPortal = new Stopper(() => portal);
            await using var fleet = await SimCameraFleet.StartAsync(o.RelayDll, portal, dir, o.Cameras, aead, dh, figure).ConfigureAwait(false);
            var relay = fleet.Relay;
            var cameras = fleet.Cameras;
            var devices = fleet.Devices;
            using (var webhook = await portal.Api.PutAsJsonAsync("/api/v1/settings/events-webhook", new { url = receiver.Url, secret = WebhookSecret }).ConfigureAwait(false))
            {
                webhook.EnsureSuccessStatusCode();
            }
            await fleet.ImportAsync(portal).ConfigureAwait(false);

            // Bound then approved, one device after another as an operator's script would: each
            // camera becomes subscribable at its approval.
            var cpuPortal0 = ProcStatus.CpuTime(portal.Pid);
            var cpuRelay0 = ProcStatus.CpuTime(relay.Pid);
            var subscribing = Stopwatch.StartNew();
            var peaks = new Peaks(portal.Pid, relay.Pid);
            await fleet.BindAndApproveAsync(portal, peaks.Sample).ConfigureAwait(false);
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
            figure("agents_alive", fleet.Agents.Count(a => !a.IsClosed).ToString(CultureInfo.InvariantCulture));

            // The portal killed and started again on its database and address: every camera is
            // subscribable at once, held by nobody once the dead instance's leases run out.
            var before = devices.Select(d => cameras.EventsOf(d).Subscribed).ToList();
            var port = portal.BaseAddress.Port;
            await portal.DisposeAsync().ConfigureAwait(false);
            var restart = Stopwatch.StartNew();
            portal = await PortalProcess.StartAsync(o.PortalDll, Path.Combine(dir, "portal.db"), SimCameraFleet.PortalEnvironment(o.Cameras), port: port, sharing: portal).ConfigureAwait(false);
            figure("restart_portal_up_seconds", F(restart.Elapsed.TotalSeconds));
            peaks = new Peaks(portal.Pid, relay.Pid);
            var cpuRestart = ProcStatus.CpuTime(portal.Pid);
            int Resubscribed() => devices.Select((d, i) => cameras.EventsOf(d).Subscribed > before[i]).Count(b => b);
            var back = await Poll.WithinAsync(TimeSpan.FromMinutes(5), () =>
            {
                peaks.Sample();
                return Task.FromResult(Resubscribed() == devices.Count);
            }).ConfigureAwait(false);
            figure("restart_cameras_resubscribed", Resubscribed().ToString(CultureInfo.InvariantCulture));
            figure("restart_all_resubscribed_seconds", back is null ? "not within 5 min" : F(restart.Elapsed.TotalSeconds));
            figure("restart_portal_cpu_seconds", F((ProcStatus.CpuTime(portal.Pid) - cpuRestart).TotalSeconds));
            figure("restart_portal_peak_rss_mib", Mib(peaks.Portal));
            figure("restart_subscription_failures_logged", portal.Log.Split('\n').Count(l => l.Contains("EventSubscriber", StringComparison.Ordinal) && l.Contains("fail", StringComparison.OrdinalIgnoreCase)).ToString(CultureInfo.InvariantCulture));
            figure("loadavg_at_end", File.ReadAllText("/proc/loadavg").Trim());
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

    /// <summary>Stops whichever portal process is current when the benchmark ends.</summary>
    private sealed class Stopper(Func<PortalProcess> current) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => current().DisposeAsync();
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
