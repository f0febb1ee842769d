namespace Vigil.Archive.Store;

/// <summary>The recordings of a camera over a range of wall-clock time: filed ones from the layout, and the one being recorded.</summary>
public sealed class ArchiveCatalog
{
    private readonly ArchiveLayout _layout;
    private readonly LiveRecordings _live;

    public ArchiveCatalog(ArchiveLayout layout, LiveRecordings live)
    {
        _layout = layout;
        _live = live;
    }

    public ArchiveLayout Layout => _layout;

    public LiveRecordings Live => _live;

    /// <summary>The recordings that overlap [<paramref name="fromMs"/>, <paramref name="toMs"/>), by start.</summary>
    public List<Recording> Find(string camera, long fromMs, long toMs)
    {
        var found = new List<Recording>();
        foreach (var (path, start) in _layout.FilesStartingBetween(camera, fromMs, toMs))
        {
            var index = LoadIndex(path, start);
            if (index is not null && index.EndMs > fromMs && index.StartMs < toMs)
            {
                found.Add(new Recording(camera, path, index, Live: false));
            }
        }
        if (_live.Current(camera) is { } live && live.EndMs > fromMs && live.StartMs < toMs
            && (found.Count == 0 || live.StartMs >= found[^1].StartMs))
        {
            found.Add(live);
        }
        return found;
    }

    /// <summary>A filed file's index, rebuilt from the FLV (and written again) when it is missing or unreadable.</summary>
    public static RecordingIndex? LoadIndex(string flvPath, long startMs)
    {
        var indexPath = ArchiveLayout.IndexPathOf(flvPath);
        if (RecordingIndex.TryRead(indexPath) is { } index)
        {
            // The file's name is its start: the index says the same, and the name wins if they differ.
            return startMs > 0 && index.StartMs != startMs ? index.WithStart(startMs) : index;
        }
        try
        {
            var rebuilt = RecordingIndex.Build(flvPath, startMs, out _);
            rebuilt.Write(indexPath);
            return rebuilt;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Where a range that starts or ends at <paramref name="wallMs"/> is cut: inside a recording, at its
    /// last keyframe at or before the moment (so the frame at the moment is shown); in a gap, the moment itself.
    /// The same moment always gives the same cut, so that ranges that meet share their boundary exactly.
    /// </summary>
    public static long CutAt(IReadOnlyList<Recording> recordings, long wallMs)
    {
        foreach (var r in recordings)
        {
            if (wallMs >= r.StartMs && wallMs < r.EndMs)
            {
                return r.Index.KeyframeAtOrBefore(wallMs) is { } k && r.StartMs + k.TimeMs <= wallMs ? r.StartMs + k.TimeMs : r.StartMs;
            }
        }
        return wallMs;
    }
}
