namespace Vigil.Relay.Api;

/// <summary>
/// Remembers the tunnel tokens this node has honoured until they expire, so each opens one tunnel: a
/// token copied from a log, a proxy or a browser's history cannot open another. Only tokens with a
/// good signature get here, so only the signer fills it; it is capped all the same, and refuses (not
/// forgets) once full, because forgetting would let a replay through.
/// </summary>
public sealed class TunnelReplayGuard(int capacity = TunnelReplayGuard.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _used.Count;
            }
        }
    }

    /// <summary>Marks a verified token used. Null when it is its first use, else the refusal reason.</summary>
    public string? TryUse(string key, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (now >= _nextSweep || _used.Count >= capacity)
            {
                Sweep(now);
            }
            if (_used.ContainsKey(key))
            {
                return "replayed";
            }
            if (_used.Count >= capacity)
            {
                return "replay_cache_full";
            }
            _used.Add(key, expiresAt);
            return null;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, until) in _used)
        {
            if (until <= now)
            {
                _used.Remove(key);
            }
        }
        _nextSweep = now.AddSeconds(30);
    }
}
