namespace Vigil.Agent;

/// <summary>Reconnect delays for everything the agent dials: the relays, the camera, the streamer.</summary>
internal static class Backoff
{
    /// <summary>Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): uniform in [0, min(max, min * 2^attempt)].</summary>
    public static TimeSpan FullJitter(int attempt, TimeSpan min, TimeSpan max)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
