using System.Collections.Concurrent;

namespace Vigil.Portal.Hooks;

/// <summary>
/// One input of the hook decisions (a camera by name, a user by id...) kept in memory for a few
/// seconds, misses included, so that a flood of unknown names costs one query each, not one per call.
/// A hit is a dictionary read and a clock read: no lock, no allocation, no await. Clear() drops
/// everything at once; a load that was under way when it happened does not put its older answer back.
/// </summary>
internal sealed class DecisionCache<TKey, TValue>(Func<TKey, Task<TValue?>> load, Func<long> ttlMs, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
    where TValue : class
{
    /// <summary>Past this many entries the cache starts over: memory stays bounded whatever names callers send.</summary>
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new(comparer);
    private long _generation;

    public ValueTask<TValue?> GetAsync(TKey key)
    {
        if (_entries.TryGetValue(key, out var hit) && hit.Until > Environment.TickCount64)
        {
            return new ValueTask<TValue?>(hit.Value);
        }
        return LoadAsync(key);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    private async ValueTask<TValue?> LoadAsync(TKey key)
    {
        var generation = Volatile.Read(ref _generation);
        var value = await load(key).ConfigureAwait(false);
        if (generation != Volatile.Read(ref _generation))
        {
            return value;
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[key] = new Entry(value, Environment.TickCount64 + ttlMs());
        if (generation != Volatile.Read(ref _generation))
        {
            // Cleared while this entry went in: it may hold what the clear was meant to forget.
            _entries.TryRemove(key, out _);
        }
        return value;
    }

    private sealed record Entry(TValue? Value, long Until);
}
