namespace Vigil.Archive.Playback;

/// <summary>
/// Where each viewer of a timeshift playlist is: a set-top box that opens timeshift_abs-FROM.m3u8 plays
/// FROM as if it were live, so at a later reload its position is FROM plus the time since it began (and
/// any gap in the recording it was moved over). Only the moment it began is kept, by camera, FROM and
/// the request's query (which carries the viewer's token): a few hundred bytes a viewer, at most
/// <see cref="MaxSessions"/>, forgotten after <see cref="IdleLimit"/> without a reload. A viewer forgotten
/// (or a restarted service) begins again at FROM.
/// </summary>
public sealed class TimeshiftSessions
{
    public const int MaxSessions = 10_000;
    public static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(2);

    private sealed class Session(long beganMs)
    {
        public long BeganMs { get; set; } = beganMs;

        public long LastSeenMs { get; set; } = beganMs;
    }

    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The viewer's position in the recording (wall-clock ms) at <paramref name="nowMs"/>: FROM at its first request, then on in real time.</summary>
    public long PositionMs(string camera, long fromSeconds, string query, long nowMs)
    {
        var key = Key(camera, fromSeconds, query);
        lock (_lock)
        {
            if (!_sessions.TryGetValue(key, out var session))
            {
                if (_sessions.Count >= MaxSessions)
                {
                    Evict(nowMs);
                }
                session = new Session(nowMs);
                _sessions[key] = session;
            }
            session.LastSeenMs = nowMs;
            return fromSeconds * 1000 + (nowMs - session.BeganMs);
        }
    }

    /// <summary>Moves a viewer over a gap in the recording: its position jumps <paramref name="byMs"/> ahead from now on.</summary>
    public void Skip(string camera, long fromSeconds, string query, long byMs)
    {
        lock (_lock)
        {
            if (byMs > 0 && _sessions.TryGetValue(Key(camera, fromSeconds, query), out var session))
            {
                session.BeganMs -= byMs;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// The viewer's key. The query is whatever the player sent (a token, and anything a player may add
    /// beside it, up to nginx's header buffer), so it is kept as its hash: a session costs the same few
    /// hundred bytes whatever the query's length.
    /// </summary>
    private static string Key(string camera, long fromSeconds, string query) =>
        $"{camera}/{fromSeconds}/{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(query)))}";

    private void Evict(long nowMs)
    {
        var idle = (long)IdleLimit.TotalMilliseconds;
        foreach (var stale in _sessions.Where(s => nowMs - s.Value.LastSeenMs > idle).Select(s => s.Key).ToList())
        {
            _sessions.Remove(stale);
        }
        if (_sessions.Count >= MaxSessions)
        {
            _sessions.Remove(_sessions.MinBy(s => s.Value.LastSeenMs).Key);
        }
    }
}
