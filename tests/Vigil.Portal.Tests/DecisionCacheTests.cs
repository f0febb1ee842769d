using System.Collections.Concurrent;
using Vigil.Portal.Hooks;

namespace Vigil.Portal.Tests;

/// <summary>The hooks' input cache: what it serves, when it asks again, and what a clear forgets.</summary>
public sealed class DecisionCacheTests
{
    /// <summary>A loader that counts its calls and answers only when the test says so.</summary>
    private sealed class Source
    {
        private readonly ConcurrentQueue<TaskCompletionSource<string?>> _pending = new();
        public int Calls;

        public Task<string?> LoadAsync(string key)
        {
            Interlocked.Increment(ref Calls);
            var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending.Enqueue(answer);
            return answer.Task;
        }

        public void Answer(string? value)
        {
            Assert.That(_pending.TryDequeue(out var next), Is.True, "no load was waiting");
            next!.SetResult(value);
        }
    }

    [Test]
    public async Task ConcurrentMissesShareOneLoadAndHitsAskNothing()
    {
        var source = new Source();
        var cache = new DecisionCache<string, string>(source.LoadAsync, () => 60_000);
        var first = cache.GetAsync("cam").AsTask();
        var second = cache.GetAsync("cam").AsTask();
        Assert.That(source.Calls, Is.EqualTo(1));
        source.Answer("v1");
        Assert.That(await first, Is.EqualTo("v1"));
        Assert.That(await second, Is.EqualTo("v1"));
        var hit = cache.GetAsync("cam");
        Assert.That(hit.IsCompletedSuccessfully, Is.True, "a hit completes at once");
        Assert.That(hit.Result, Is.EqualTo("v1"));
        Assert.That(source.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task AMissIsCachedToo()
    {
        var source = new Source();
        var cache = new DecisionCache<string, string>(source.LoadAsync, () => 60_000);
        var miss = cache.GetAsync("nothing").AsTask();
        source.Answer(null);
        Assert.That(await miss, Is.Null);
        Assert.That(await cache.GetAsync("nothing"), Is.Null);
        Assert.That(source.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task ClearForgetsAtOnceAndALoadUnderWayDoesNotComeBack()
    {
        var source = new Source();
        var cache = new DecisionCache<string, string>(source.LoadAsync, () => 60_000);
        var before = cache.GetAsync("cam").AsTask();
        cache.Clear();
        var after = cache.GetAsync("cam").AsTask();
        Assert.That(source.Calls, Is.EqualTo(2), "a caller after the clear does not join the older load");
        source.Answer("old");
        source.Answer("new");
        Assert.That(await before, Is.EqualTo("old"));
        Assert.That(await after, Is.EqualTo("new"));
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("new"));
        Assert.That(source.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task ABusyEntryIsRefreshedBeforeItExpiresAndNeverServedPastItsTtl()
    {
        var source = new Source();
        long now = 1_000_000;
        var cache = new DecisionCache<string, string>(source.LoadAsync, () => 1000, clock: () => now);
        var load = cache.GetAsync("cam").AsTask();
        source.Answer("v1");
        Assert.That(await load, Is.EqualTo("v1"));

        now += 799;
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("v1"));
        Assert.That(source.Calls, Is.EqualTo(1), "fresh: no refresh yet");
        now += 1;
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("v1"), "past 80% of the TTL the entry is still served...");
        Assert.That(source.Calls, Is.EqualTo(2), "...while a refresh runs");
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("v1"));
        Assert.That(source.Calls, Is.EqualTo(2), "one refresh at a time");
        source.Answer("v2");
        await Task.Delay(100);
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("v2"));

        now += 1000;
        var expired = cache.GetAsync("cam");
        Assert.That(expired.IsCompleted, Is.False, "at its TTL (from when its read began) an entry is not served: the caller waits for the database");
        source.Answer("v3");
        Assert.That(await expired, Is.EqualTo("v3"));
    }

    [Test]
    public async Task AFailedLoadIsNotCached()
    {
        var calls = 0;
        var cache = new DecisionCache<string, string>(_ => Interlocked.Increment(ref calls) == 1
            ? Task.FromException<string?>(new InvalidOperationException("database down"))
            : Task.FromResult<string?>("v"), () => 60_000);
        Assert.That(async () => await cache.GetAsync("cam"), Throws.InvalidOperationException);
        Assert.That(await cache.GetAsync("cam"), Is.EqualTo("v"));
    }
}
