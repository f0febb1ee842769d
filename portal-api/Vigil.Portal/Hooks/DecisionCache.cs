using System.Collections.Concurrent;

namespace Vigil.Portal.Hooks;

/// <summary>
/// One input of the hook decisions (a camera by name, a user by id...) kept in memory for a few
/// seconds, misses included, so that a flood of unknown names costs one query each, not one per call.
/// A hit is a dictionary read and a clock read: no lock, no allocation, no await.
///
/// An entry is never served older than the TTL, counted from when its database read began: that is
/// the bound on how late another instance's change is seen. So that a busy key does not stall every
/// caller when it expires, a hit past 80% of the TTL starts a refresh in the background and is served
/// meanwhile; and concurrent loads of one key share one query. Clear() drops everything at once; a
/// load that was under way then neither puts its older answer back nor is joined by later callers.
/// </summary>
/// <param name="clock">Milliseconds, Environment.TickCount64 unless a test drives the time.</param>
internal sealed class DecisionCache<TKey, TValue>(Func<TKey, Task<TValue?>> load, Func<long> ttlMs, IEqualityComparer<TKey>? comparer = null,
    Func<long>? clock = null)
    where TKey : notnull
    where TValue : class
{
    private readonly Func<long> _clock = clock ?? (static () => Environment.TickCount64);
    /// <summary>Past this many entries the cache starts over: memory stays bounded whatever names callers send.</summary>
    public const int MaxEntries = 200_000;

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new(comparer);
    private readonly ConcurrentDictionary<TKey, Task<TValue?>> _loading = new(comparer);
    private long _generation;

    public ValueTask<TValue?> GetAsync(TKey key)
    {
        var now = _clock();
        if (_entries.TryGetValue(key, out var hit) && hit.Until > now)
        {
            if (hit.RefreshAt <= now)
            {
                Refresh(key);
            }
            return new ValueTask<TValue?>(hit.Value);
        }
        return new ValueTask<TValue?>(Load(key));
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _loading.Clear();
        _entries.Clear();
    }

    private void Refresh(TKey key)
    {
        var refresh = Load(key);
        if (!refresh.IsCompleted)
        {
            // Nobody awaits a background refresh: its failure is seen, and retried, by the next miss.
            refresh.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private Task<TValue?> Load(TKey key)
    {
        while (true)
        {
            if (_loading.TryGetValue(key, out var running))
            {
                return running;
            }
            var done = new TaskCompletionSource<TValue?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_loading.TryAdd(key, done.Task))
            {
                _ = FillAsync(key, done);
                return done.Task;
            }
        }
    }

    private async Task FillAsync(TKey key, TaskCompletionSource<TValue?> done)
    {
        var generation = Volatile.Read(ref _generation);
        var started = _clock();
        TValue? value;
        try
        {
            value = await load(key).ConfigureAwait(false);
            if (generation == Volatile.Read(ref _generation))
            {
                if (_entries.Count >= MaxEntries)
                {
                    _entries.Clear();
                }
                var ttl = ttlMs();
                _entries[key] = new Entry(value, started + ttl, started + ttl * 4 / 5);
                if (generation != Volatile.Read(ref _generation))
                {
                    // Cleared while this entry went in: it may hold what the clear was meant to forget.
                    _entries.TryRemove(key, out _);
                }
            }
        }
        catch (Exception e)
        {
            Finished(key, done);
            done.SetException(e);
            return;
        }
        Finished(key, done);
        done.SetResult(value);
    }

    /// <summary>
    /// The load is no longer running, said before its waiters go on: a waiter that asks again at once
    /// (a refresh) must start a new load, not be handed this finished one.
    /// </summary>
    private void Finished(TKey key, TaskCompletionSource<TValue?> done) =>
        _loading.TryRemove(new KeyValuePair<TKey, Task<TValue?>>(key, done.Task));

    private sealed record Entry(TValue? Value, long Until, long RefreshAt);
}
