using Vigil.Portal.Data;
using Vigil.Portal.Hooks;

namespace Vigil.Portal.Streamers;

/// <summary>
/// Probes every streamer's API address on a fixed period: any HTTP answer below 500 is "up", a
/// refused or silent connection or a 5xx is "down". Placement skips streamers that are down. Each
/// portal instance probes on its own; they agree because they write the same verdicts.
/// </summary>
public sealed class StreamerHealth(StreamerStore streamers, IHttpClientFactory clients, PortalOptions options, PlayAuthorizer decisions,
    ILogger<StreamerHealth> log) : BackgroundService
{
    public const string HttpClientName = "streamer-health";

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

    public async Task ProbeAllAsync(CancellationToken ct)
    {
        var all = await streamers.ListAsync().ConfigureAwait(false);
        await Task.WhenAll(all.Where(s => s.ApiUrl.Length > 0).Select(s => ProbeAsync(s, ct))).ConfigureAwait(false);
    }

    private async Task ProbeAsync(Streamer streamer, CancellationToken ct)
    {
        var health = await IsUpAsync(streamer.ApiUrl, ct).ConfigureAwait(false) ? "up" : "down";
        await streamers.SetHealthAsync(streamer.Id, health).ConfigureAwait(false);
        if (health != streamer.Health)
        {
            PortalLog.StreamerHealth(log, streamer.Name, health);
            decisions.Invalidate();
        }
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
