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
            await MeasureAsync("relay", relay.AgentEndPoint, relay.PublicKey, relay.ResidentBytes, agents, seconds, figure).ConfigureAwait(false);
        }
        await using var portal = await EmbeddedRelayPortal.StartAsync(portalDll).ConfigureAwait(false);
        await MeasureAsync("portal", portal.Relay, portal.RelayKey, portal.Portal.ResidentBytes, agents, seconds, figure).ConfigureAwait(false);
    }

    private static async Task MeasureAsync(string name, IPEndPoint endPoint, byte[] key, Func<long> resident, int agents, int seconds,
        Action<string, string> figure)
    {
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var idle = resident();
        var peak = idle;
        long closed = 0, frames = 0, connects = 0;
        var kinds = Enum.GetValues<HostileFlood>();
        var until = DateTime.UtcNow.AddSeconds(seconds);
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
        var attack = Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(() => Attacker(i))));
        while (!attack.IsCompleted)
        {
            peak = Math.Max(peak, resident());
            await Task.WhenAny(attack, Task.Delay(250)).ConfigureAwait(false);
        }
        await attack.ConfigureAwait(false);
        // What the server gives back once the flood is over (the GC keeps some of its heap for a while).
        await Task.Delay(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        var after = resident();
        static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        figure($"{name}_idle_rss_mib", Mib(idle));
        figure($"{name}_flood_peak_rss_mib", Mib(peak));
        figure($"{name}_flood_peak_over_idle_mib", Mib(peak - idle));
        figure($"{name}_after_rss_mib", Mib(after));
        figure($"{name}_after_over_idle_mib", Mib(after - idle));
        figure($"{name}_hostile_connections", connects.ToString(CultureInfo.InvariantCulture));
        figure($"{name}_connections_closed_by_server", closed.ToString(CultureInfo.InvariantCulture));
        figure($"{name}_frames_sent", frames.ToString(CultureInfo.InvariantCulture));
    }
}
