using System.Collections.Concurrent;

namespace Vigil.Portal.Auth;

/// <summary>
/// Failed logins counted per login name and per client address over a sliding window: past the
/// limit, further attempts are refused before any password is checked (and before the slow KDF
/// runs, so a flood costs the portal nothing). A success clears the login's count.
/// </summary>
public sealed class LoginThrottle(int perLogin = 5, int perAddress = 20, TimeSpan? window = null)
{
    private readonly TimeSpan _window = window ?? TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Seconds to wait, or 0 when an attempt may go ahead.</summary>
    public int RetryAfter(string login, string address)
    {
        var now = DateTimeOffset.UtcNow;
        return Math.Max(Wait("l:" + login.ToLowerInvariant(), perLogin, now), Wait("a:" + address, perAddress, now));
    }

    public void Failed(string login, string address)
    {
        var now = DateTimeOffset.UtcNow;
        Add("l:" + login.ToLowerInvariant(), now);
        Add("a:" + address, now);
        if (_buckets.Count > 100_000)
        {
            Sweep(now);
        }
    }

    public void Succeeded(string login) => _buckets.TryRemove("l:" + login.ToLowerInvariant(), out _);

    private int Wait(string key, int limit, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(key, out var b))
        {
            return 0;
        }
        lock (b)
        {
            b.Failures.RemoveAll(t => now - t > _window);
            return b.Failures.Count < limit ? 0 : (int)Math.Ceiling((b.Failures[0] + _window - now).TotalSeconds);
        }
    }

    private void Add(string key, DateTimeOffset now)
    {
        var b = _buckets.GetOrAdd(key, _ => new Bucket());
        lock (b)
        {
            b.Failures.Add(now);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, b) in _buckets)
        {
            lock (b)
            {
                if (b.Failures.Count == 0 || now - b.Failures[^1] > _window)
                {
                    _buckets.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed class Bucket
    {
        public List<DateTimeOffset> Failures { get; } = [];
    }
}
