using Vigil.Relay.Agents;

namespace Vigil.Relay.Tests;

/// <summary>After links were closed for abuse, the memory they took is given back once, when the abuse has stopped.</summary>
[TestFixture]
public sealed class AbuseMemoryReclaimerTests
{
    [Test]
    public void NothingIsCollectedWithoutAbuse()
    {
        var reclaimer = new AbuseMemoryReclaimer();
        reclaimer.Tick(Environment.TickCount64 + 60_000);
        Assert.That(reclaimer.Reclaims, Is.Zero);
    }

    [Test]
    public void OneCollectionOnceTheAbuseHasStoppedAndNoneWhileItGoesOn()
    {
        var reclaimer = new AbuseMemoryReclaimer();
        reclaimer.AbuseClosed();
        var now = Environment.TickCount64;
        reclaimer.Tick(now);
        Assert.That(reclaimer.Reclaims, Is.Zero, "not while links are still being closed for abuse");
        var quiet = now + (long)AbuseMemoryReclaimer.Quiet.TotalMilliseconds + 1;
        reclaimer.Tick(quiet);
        Assert.That(reclaimer.Reclaims, Is.EqualTo(1));
        reclaimer.Tick(quiet + 10_000);
        Assert.That(reclaimer.Reclaims, Is.EqualTo(1), "once per flood, not on every tick");
        reclaimer.AbuseClosed();
        reclaimer.Tick(Environment.TickCount64 + (long)AbuseMemoryReclaimer.Quiet.TotalMilliseconds + 1);
        Assert.That(reclaimer.Reclaims, Is.EqualTo(2), "a later flood is given back too");
    }
}
