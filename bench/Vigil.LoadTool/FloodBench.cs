using System.Globalization;
using System.Net;

namespace Vigil.LoadTool;

/// <summary>
/// `bench flood`: hostile agents flood every frame kind without reading, against a vigil-relay and
/// against a vigil-portal with its embedded relay, one after the other. Figures: each server's
/// resident memory idle, at the peak of the flood, and after it (what was returned), with the
/// connections the server closed and the frames sent.
/// </summary>
public static class FloodBench
{
    public static async Task RunAsync(string relayDll, string portalDll, int agents, int seconds, Action<string, string> figure)
    {
        await using (var relay = await RelayProcess.StartAsync(relayDll, []).ConfigureAwait(false))
        {
            await MeasureAsync("relay", relay.AgentEndPoint, relay.PublicKey, relay.ResidentBytes,
                () => HeapAsync(relay.Api, "/metrics", "vigil_relay_gc_heap_bytes"), agents, seconds, figure).ConfigureAwait(false);
        }
        await using var portal = await EmbeddedRelayPortal.StartAsync(portalDll).ConfigureAwait(false);
        await MeasureAsync("portal", portal.Relay, portal.RelayKey, portal.Portal.ResidentBytes,
            () => HeapAsync(portal.Portal.Api, "/api/v1/metrics", "vigil_portal_gc_heap_bytes"), agents, seconds, figure).ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="agents"/> hostile agents, each on one frame kind in turn, flooding until the
    /// time is up and dialling again whenever the server closes them. Returns the connections made,
    /// those the server closed, and the frames sent.
    /// </summary>
    private static async Task<(long Connects, long Closed, long Frames)> FloodAsync(IPEndPoint endPoint, byte[] key, int agents, TimeSpan duration)
    {
        long closed = 0, frames = 0, connects = 0;
        var kinds = Enum.GetValues<HostileFlood>();
        var until = DateTime.UtcNow + duration;
        async Task Attacker(int i)
        {
            var kind = kinds[i % kinds.Length];
            while (until - DateTime.UtcNow is { Ticks: > 0 } left)
            {
                try
                {
                    using var hostile = await HostileAgent.ConnectAsync(endPoint, key, $"FLOOD-{i:D3}").ConfigureAwait(false);
                    Interlocked.Increment(ref connects);
                    if (await hostile.FloodAsync(kind, left).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref closed);
                    }
                    Interlocked.Add(ref frames, hostile.FramesSent);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    // Refused at the door (a handshake cap): try again, as an attacker would.
                    await Task.Delay(100).ConfigureAwait(false);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(() => Attacker(i)))).ConfigureAwait(false);
        return (connects, closed, frames);
    }

    /// <summary>The managed heap after the server's last collection, from its metrics page.</summary>
    private static async Task<long> HeapAsync(HttpClient api, string path, string series)
    {
        var text = await api.GetStringAsync(path).ConfigureAwait(false);
        var line = text.Split('\n').First(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task MeasureAsync(string name, IPEndPoint endPoint, byte[] key, Func<long> resident, Func<Task<long>> heap, int agents,
        int seconds, Action<string, string> figure)
    {
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var cold = resident();
        // A short flood first, so what any first use costs once (code compiled, threads started) is
        // in the idle figure, not counted as what the flood holds.
        await FloodAsync(endPoint, key, Math.Min(10, agents), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        var idle = resident();
        var idleHeap = await heap().ConfigureAwait(false);
        var peak = idle;
        var attack = FloodAsync(endPoint, key, agents, TimeSpan.FromSeconds(seconds));
        while (!attack.IsCompleted)
        {
            peak = Math.Max(peak, resident());
            await Task.WhenAny(attack, Task.Delay(250)).ConfigureAwait(false);
        }
        var (connects, closed, frames) = await attack.ConfigureAwait(false);
        // What the server gives back once the flood is over (the GC keeps some of its heap for a while).
        await Task.Delay(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        var after = resident();
        var afterHeap = await heap().ConfigureAwait(false);
        static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        figure($"{name}_cold_rss_mib", Mib(cold));
        figure($"{name}_idle_rss_mib", Mib(idle));
        figure($"{name}_flood_peak_rss_mib", Mib(peak));
        figure($"{name}_flood_peak_over_idle_mib", Mib(peak - idle));
        figure($"{name}_after_rss_mib", Mib(after));
        figure($"{name}_after_over_idle_mib", Mib(after - idle));
        figure($"{name}_idle_gc_heap_mib", Mib(idleHeap));
        figure($"{name}_after_gc_heap_mib", Mib(afterHeap));
        figure($"{name}_hostile_connections", connects.ToString(CultureInfo.InvariantCulture));
        figure($"{name}_connections_closed_by_server", closed.ToString(CultureInfo.InvariantCulture));
        figure($"{name}_frames_sent", frames.ToString(CultureInfo.InvariantCulture));
    }
}
