using Microsoft.Extensions.Hosting;

namespace Vigil.Relay.Agents;

/// <summary>
/// One loop for every session's heartbeat, rather than a timer each: pings links that have been
/// silent for an interval and closes those silent past the deadline (a half-open TCP connection
/// never errors on its own), and those whose writes have been stuck as long (a peer that does not read). Cost: one pass over the registry per tick.
/// </summary>
public sealed class HeartbeatSweeper(RelayNode node) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = node.Options.HeartbeatInterval.TotalMilliseconds;
        var timeout = node.Options.HeartbeatTimeout.TotalMilliseconds;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(interval / 4, 50, 1000));
        using var timer = new PeriodicTimer(tick);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var now = Environment.TickCount64;
            foreach (var session in node.Registry.All)
            {
                var silent = now - session.LastReceivedTicks;
                if (silent > timeout)
                {
                    session.Close("heartbeat_timeout");
                }
                else if (session.WriteStalledMs(now) > timeout)
                {
                    // The agent has not taken a frame for as long as a silent link is allowed: it is
                    // not reading, and what it is owed would pile up.
                    session.Close("write_stalled");
                }
                else if (silent >= interval && now - session.LastSentTicks >= interval / 2)
                {
                    _ = PingAsync(session);
                }
            }
            node.Reclaimer.Tick(now);
        }
    }

    private static async Task PingAsync(RelaySession session)
    {
        try
        {
            await session.SendPingAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }
}
