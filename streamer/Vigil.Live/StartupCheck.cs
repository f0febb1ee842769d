namespace Vigil.Live;

/// <summary>
/// Right after start, one round trip to Janus (a session made and destroyed) and one to the portal
/// (its /healthz): an operator learns at once from the log that either is unreachable, and the first
/// viewer after a restart does not pay for the first connections and the code's first run (they took
/// about a second of that viewer's click to first frame).
/// </summary>
internal static class StartupCheck
{
    public static async Task RunAsync(JanusClient janus, PlayHook hook, ILogger log)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var session = await janus.CreateSessionAsync(cts.Token).ConfigureAwait(false);
            await janus.DestroySessionAsync(session, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JanusException or OperationCanceledException)
        {
            LiveLog.JanusFailed(log, $"not reachable at start ({e.Message}); viewers get HLS until it is");
        }
        // The hook's origin, not the hook: a hook request without a viewer would be a refusal in the portal's log.
        if (await hook.HealthAsync(cts.Token).ConfigureAwait(false) is { } why)
        {
            LiveLog.HookUnreachable(log, $"the portal at start: {why}");
        }
    }
}
