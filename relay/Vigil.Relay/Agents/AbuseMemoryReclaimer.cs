namespace Vigil.Relay.Agents;

/// <summary>
/// Gives back to the system what a flood of abusive links made the process take. Every abusive link
/// is bounded (its send queue, its read buffer), but a hundred of them at once still grow the managed
/// heap by tens of MiB; once they are closed that memory is garbage, and an idle relay allocates
/// nothing, so no collection would ever run to return it. After links were closed for abuse and
/// none has been for <see cref="Quiet"/>, one compacting collection that decommits the freed memory
/// runs. It costs a pause of a few milliseconds, and only after an attack, never in normal running.
/// </summary>
public sealed class AbuseMemoryReclaimer
{
    /// <summary>How long no link must have been closed for abuse before the memory is given back.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    private long _abuseCloses;
    private long _reclaimedAt;
    private long _lastAbuseTicks;

    /// <summary>How many collections this has run (for the metrics and the tests).</summary>
    public long Reclaims { get; private set; }

    /// <summary>A link was closed for not reading or for flooding.</summary>
    public void AbuseClosed()
    {
        Interlocked.Increment(ref _abuseCloses);
        Volatile.Write(ref _lastAbuseTicks, Environment.TickCount64);
    }

    /// <summary>Called from the heartbeat loop: collects once when abuse has stopped.</summary>
    public void Tick(long nowTicks)
    {
        var closes = Interlocked.Read(ref _abuseCloses);
        if (closes == _reclaimedAt || nowTicks - Volatile.Read(ref _lastAbuseTicks) < Quiet.TotalMilliseconds)
        {
            return;
        }
        _reclaimedAt = closes;
        Reclaims++;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
