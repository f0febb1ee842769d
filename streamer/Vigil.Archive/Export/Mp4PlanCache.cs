using Vigil.Archive.Store;

namespace Vigil.Archive.Export;

/// <summary>
/// The first pass of recent MP4 exports, kept a short while: a player that seeks asks the same MP4 again
/// and again with other ranges, and each request would otherwise read the whole range once more only to
/// lay out its header. Only ranges of filed recordings are kept (they no longer change); a few entries,
/// each a minute, so memory stays bounded (about 3 MB of tables per hour exported).
/// </summary>
public sealed class Mp4PlanCache
{
    private const int MaxEntries = 8;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (Mp4Export.Plan Plan, DateTime Until)> _plans = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The key of a range over <paramref name="recordings"/>, or null when one is still being recorded (no caching).</summary>
    public static string? KeyOf(IReadOnlyList<Recording> recordings, long cutFrom, long cutTo)
    {
        if (recordings.Any(r => r.Live))
        {
            return null;
        }
        return $"{cutFrom}-{cutTo}:{string.Join('|', recordings.Select(r => r.Path + "@" + r.Index.Length))}";
    }

    public Mp4Export.Plan? Get(string? key)
    {
        if (key is null)
        {
            return null;
        }
        lock (_lock)
        {
            return _plans.TryGetValue(key, out var entry) && entry.Until > DateTime.UtcNow ? entry.Plan : null;
        }
    }

    public void Put(string? key, Mp4Export.Plan plan)
    {
        if (key is null)
        {
            return;
        }
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            foreach (var stale in _plans.Where(p => p.Value.Until <= now).Select(p => p.Key).ToList())
            {
                _plans.Remove(stale);
            }
            if (_plans.Count >= MaxEntries && !_plans.ContainsKey(key))
            {
                _plans.Remove(_plans.MinBy(p => p.Value.Until).Key);
            }
            _plans[key] = (plan, now + Lifetime);
        }
    }
}
