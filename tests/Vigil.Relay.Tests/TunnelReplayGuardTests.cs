using Vigil.Relay.Api;

namespace Vigil.Relay.Tests;

/// <summary>The memory of used tunnel tokens: each honoured once, forgotten only after it expires, never past its cap.</summary>
[TestFixture]
public sealed class TunnelReplayGuardTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 4, 6, 0, 0, TimeSpan.Zero);

    [Test]
    public void ATokenIsHonouredOnceUntilItExpires()
    {
        var guard = new TunnelReplayGuard();
        Assert.That(guard.TryUse("sig-a", s_now.AddMinutes(1), s_now), Is.Null);
        Assert.That(guard.TryUse("sig-a", s_now.AddMinutes(1), s_now.AddSeconds(59)), Is.EqualTo("replayed"));
        Assert.That(guard.TryUse("sig-b", s_now.AddMinutes(1), s_now), Is.Null, "another token is not affected");
    }

    [Test]
    public void WhenFullItRefusesRatherThanForgetsAndExpiredTokensMakeRoom()
    {
        var guard = new TunnelReplayGuard(capacity: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.That(guard.TryUse($"sig-{i}", s_now.AddMinutes(1), s_now), Is.Null);
        }
        Assert.That(guard.TryUse("sig-3", s_now.AddMinutes(1), s_now), Is.EqualTo("replay_cache_full"));
        Assert.That(guard.TryUse("sig-0", s_now.AddMinutes(1), s_now), Is.EqualTo("replayed"), "a full memory still knows what it holds");
        // Once the tokens it holds have expired they cannot be replayed anyway, and make room.
        Assert.That(guard.TryUse("sig-3", s_now.AddMinutes(2), s_now.AddMinutes(1)), Is.Null);
        Assert.That(guard.Count, Is.EqualTo(1));
    }
}
