using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Relays;

namespace Vigil.Portal.Streamers;

/// <summary>
/// Probes every streamer's API address on a short period: any HTTP answer below 500 is "up", a
/// refused or silent connection or a 5xx is a failure, and <see cref="PortalOptions.StreamerDownAfter"/>
/// failures in a row make it "down" (one bad answer is not enough to move cameras). A verdict is
/// written only when it changes. Every round, the cameras of any streamer that is down are moved to
/// streamers that are up and their agents told at once (<see cref="Devices.StreamerFailover.MoveOffAsync"/>),
/// and the agents whose relay node could not be told are tried again.
/// Each portal instance probes on its own; they agree because they write the same verdicts, and a
/// camera moves only from where it still is, so two instances acting at once move it once.
/// </summary>
public sealed class StreamerHealth(StreamerStore streamers, Devices.StreamerFailover lifecycle, IHttpClientFactory clients, PortalOptions options,
    PlayAuthorizer decisions, ILogger<StreamerHealth> log) : BackgroundService
{
    public const string HttpClientName = "streamer-health";
    private readonly Dictionary<long, int> _failures = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.StreamerProbeSeconds)));
        do
        {
            try
            {
                await ProbeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                PortalLog.StreamerHealth(log, "(all)", $"not probed: {e.Message}");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One round: probe every streamer that has an API address, then empty the ones that are down.</summary>
    public async Task ProbeAllAsync(CancellationToken ct)
    {
        var all = await streamers.ListAsync().ConfigureAwait(false);
        var verdicts = await Task.WhenAll(all.Where(s => s.ApiUrl.Length > 0).Select(async s => (Streamer: s, Health: await ProbeAsync(s, ct).ConfigureAwait(false))))
            .ConfigureAwait(false);
        foreach (var (streamer, health) in verdicts)
        {
            if (health == "down" && streamer.Cameras > 0)
            {
                await lifecycle.MoveOffAsync(streamer, ct).ConfigureAwait(false);
            }
        }
        await lifecycle.RetryUndeliveredAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The streamer's health after this probe: its new verdict, or the one it had while failures are still being confirmed.</summary>
    private async Task<string> ProbeAsync(Streamer streamer, CancellationToken ct)
    {
        var up = await IsUpAsync(streamer.ApiUrl, ct).ConfigureAwait(false);
        int failures;
        lock (_failures)
        {
            failures = up ? 0 : _failures.GetValueOrDefault(streamer.Id) + 1;
            _failures[streamer.Id] = failures;
        }
        var health = up ? "up" : failures >= Math.Max(1, options.StreamerDownAfter) ? "down" : streamer.Health;
        if (health != streamer.Health && await streamers.SetHealthAsync(streamer.Id, health).ConfigureAwait(false))
        {
            PortalLog.StreamerHealth(log, streamer.Name, health);
            decisions.Invalidate();
        }
        return health;
    }

    private async Task<bool> IsUpAsync(string url, CancellationToken ct)
    {
        try
        {
            using var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            return (int)response.StatusCode < 500;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
