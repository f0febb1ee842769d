using Vigil.Archive.Playback;

namespace Vigil.Attack.Tests;

/// <summary>
/// A viewer with one valid archive token opens timeshift playlists with a new, long query each time
/// (junk parameters beside the token, as long as nginx lets through): each is a session vigil-archive
/// remembers. The count is capped, and what each costs must not grow with the query.
/// </summary>
public sealed class TimeshiftSessionAttackTests
{
    [Test]
    public void LongDistinctQueriesFillTheSessionsWithoutTheirLength()
    {
        var sessions = new TimeshiftSessions();
        var junk = new string('x', 8_000);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < TimeshiftSessions.MaxSessions + 500; i++)
        {
            sessions.PositionMs("cam", 1_700_000_000, $"?token=pt1.valid&j{i}={junk}", 1_000_000 + i);
        }
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        TestContext.Out.WriteLine($"{sessions.Count} sessions, {grown / 1024 / 1024} MiB");
        Assert.That(sessions.Count, Is.LessThanOrEqualTo(TimeshiftSessions.MaxSessions));
        // Kept whole, the queries alone would be 10,000 x 16 KB (UTF-16): 160 MB.
        Assert.That(grown, Is.LessThan(32L * 1024 * 1024), "a session's cost does not follow its query's length");
        GC.KeepAlive(sessions);
    }
}
