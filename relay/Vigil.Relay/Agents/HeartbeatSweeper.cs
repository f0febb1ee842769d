using Microsoft.Extensions.Hosting;

namespace Vigil.Relay.Agents;

/// <summary>
/// One loop for every session's heartbeat, rather than a timer each: pings links that have been
/// silent for an interval and closes those silent past the deadline (a half-open TCP connection
/// never errors on its own). Cost: one pass over the registry per tick.
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
                else if (silent >= interval && now - session.LastSentTicks >= interval / 2)
                {
                    _ = PingAsync(session);
                }
            }
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
