using System.Collections.Concurrent;

namespace Vigil.Portal.Auth;

/// <summary>What the throttle says of an attempt: refused for so many seconds, or go ahead after a delay.</summary>
public readonly record struct ThrottleVerdict(int RetryAfter, TimeSpan Delay);

/// <summary>
/// Failed logins (and sticker PINs) counted over a sliding window, so that guessing is slow without
/// letting an attacker lock the owner out. Refusals are per (login, client address) and per client
/// address: five wrong passwords from one address refuse that address, never the owner typing the
/// right one from another. What is counted per login alone only slows every attempt on it down (a
/// fixed delay before the password is checked), so an attacker spread over many addresses still
/// guesses slowly, and the owner still gets in. Refused attempts are turned away before the slow
/// KDF runs, so a flood from one address costs the portal nothing. The client address is the real
/// one behind a configured proxy (see <see cref="TrustedProxies"/>).
/// </summary>
public sealed class LoginThrottle(int perLoginAndAddress = 5, int perAddress = 20, int perLogin = 5, TimeSpan? window = null, TimeSpan? slowDown = null)
{
    /// <summary>Past this many buckets, the stale ones are swept; past twice as many, all are forgotten (bounded memory wins).</summary>
    private const int MaxBuckets = 100_000;
    private readonly TimeSpan _window = window ?? TimeSpan.FromMinutes(5);
    private readonly TimeSpan _slowDown = slowDown ?? TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public ThrottleVerdict Check(string login, string address)
    {
        var now = DateTimeOffset.UtcNow;
        var refuse = Math.Max(Wait(Pair(login, address), perLoginAndAddress, now), Wait(Address(address), perAddress, now));
        if (refuse > 0)
        {
            return new ThrottleVerdict(refuse, TimeSpan.Zero);
        }
        return new ThrottleVerdict(0, Wait(Login(login), perLogin, now) > 0 ? _slowDown : TimeSpan.Zero);
    }

    public void Failed(string login, string address)
    {
        var now = DateTimeOffset.UtcNow;
        Add(Pair(login, address), now);
        Add(Address(address), now);
        Add(Login(login), now);
        if (_buckets.Count > MaxBuckets)
        {
            Sweep(now);
        }
    }

    /// <summary>The right password from this address forgets its failures there (the login's own count runs out with the window).</summary>
    public void Succeeded(string login, string address) => _buckets.TryRemove(Pair(login, address), out _);

    private static string Pair(string login, string address) => "p:" + address + "\n" + login.ToLowerInvariant();

    private static string Address(string address) => "a:" + address;

    private static string Login(string login) => "l:" + login.ToLowerInvariant();

    private int Wait(string key, int limit, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(key, out var b))
        {
            return 0;
        }
        lock (b)
        {
            b.Failures.RemoveAll(t => now - t > _window);
            return b.Failures.Count < limit ? 0 : Math.Max(1, (int)Math.Ceiling((b.Failures[^limit] + _window - now).TotalSeconds));
        }
    }

    private void Add(string key, DateTimeOffset now)
    {
        var b = _buckets.GetOrAdd(key, _ => new Bucket());
        lock (b)
        {
            b.Failures.Add(now);
            // Only the newest failures up to the largest limit matter; an address that keeps failing keeps no longer list.
            if (b.Failures.Count > 64)
            {
                b.Failures.RemoveRange(0, b.Failures.Count - 64);
            }
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
        if (_buckets.Count > 2 * MaxBuckets)
        {
            _buckets.Clear();
        }
    }

    private sealed class Bucket
    {
        public List<DateTimeOffset> Failures { get; } = [];
    }
}
