using System.Collections.Concurrent;

namespace Vigil.Archive.Store;

/// <summary>
/// The files nginx-rtmp is recording, each measured as it grows (an <see cref="IndexBuilder"/> that
/// goes on from where it stopped) and given its wall-clock start once, so that the start a timeshift
/// reads while the file grows is the start under which it is filed.
///
/// nginx-rtmp's record module opens a file at the keyframe that starts it (record_interval cuts only
/// at keyframes), names it with the second it opened it (record_unique: CAMERA-UNIXSECONDS.flv),
/// and writes each tag with its time since that first frame (the file's epoch), each tag as it arrives.
/// So the file's last modification is the arrival of its last tag, and the first frame's wall-clock
/// time is that moment less the last tag's time, bounded by the second in the name. When the previous
/// file of the same camera ends within a second of that, the file continues it (the same publish, cut
/// by record_interval) and starts exactly where it ends: the archive's time runs on without a jump.
/// </summary>
public sealed class LiveRecordings
{
    /// <summary>How close a file's start must be to the end of the camera's previous file to be taken as its continuation.</summary>
    public const long StitchToleranceMs = 1000;

    private readonly ArchiveLayout _layout;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastEnds = new(StringComparer.Ordinal);

    public LiveRecordings(ArchiveLayout layout) => _layout = layout;

    private sealed class Entry
    {
        public required IndexBuilder Builder { get; init; }
        public long StartMs { get; set; } = -1;
        public Lock Gate { get; } = new();
    }

    /// <summary>The file being recorded for <paramref name="camera"/> (the newest in the record folder), measured up to now; null when there is none.</summary>
    public Recording? Current(string camera)
    {
        if (!CameraName.IsValid(camera) || !Directory.Exists(_layout.RecordDir))
        {
            return null;
        }
        string? newest = null;
        long newestOpened = -1;
        foreach (var path in Directory.EnumerateFiles(_layout.RecordDir, camera + "-*.flv"))
        {
            if (ArchiveLayout.TryParseRecording(Path.GetFileName(path), out var c, out var opened) && c == camera && opened > newestOpened)
            {
                newest = path;
                newestOpened = opened;
            }
        }
        return newest is null ? null : Measure(newest);
    }

    /// <summary>Measures a file of the record folder (or one just moved out of it, by its open handle's path).</summary>
    public Recording? Measure(string path)
    {
        if (!ArchiveLayout.TryParseRecording(Path.GetFileName(path), out var camera, out var openedSeconds))
        {
            return null;
        }
        var entry = _entries.GetOrAdd(path, _ => new Entry { Builder = new IndexBuilder() });
        lock (entry.Gate)
        {
            try
            {
                entry.Builder.Advance(path);
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            if (entry.Builder.Length <= 13)
            {
                return null; // a header and no frame yet
            }
            if (entry.StartMs < 0)
            {
                entry.StartMs = StartOf(camera, path, entry.Builder, openedSeconds);
            }
            return new Recording(camera, path, entry.Builder.ToIndex(entry.StartMs), Live: true);
        }
    }

    /// <summary>Forgets a file once it is filed, remembering where it ended for the next file of its camera.</summary>
    public void Filed(string path, Recording filed)
    {
        _entries.TryRemove(path, out _);
        _lastEnds.AddOrUpdate(filed.Camera, filed.EndMs, (_, old) => Math.Max(old, filed.EndMs));
    }

    /// <summary>Where a recording of the record folder is (or will be) filed: the archive's path for its start.</summary>
    public string LayoutPathFor(Recording recording) => _layout.PathFor(recording.Camera, recording.StartMs);

    /// <summary>Forgets the measures of files that are gone (filed by another path, deleted).</summary>
    public void Prune()
    {
        foreach (var path in _entries.Keys)
        {
            if (!File.Exists(path))
            {
                _entries.TryRemove(path, out _);
            }
        }
    }

    private long StartOf(string camera, string path, IndexBuilder builder, long openedSeconds)
    {
        var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();
        var opened = openedSeconds * 1000;
        var start = Math.Clamp(modified - builder.LastTimestampMs, opened, opened + 999);
        var previousEnd = PreviousEnd(camera, start);
        return previousEnd is { } end && Math.Abs(end - start) <= StitchToleranceMs ? end : start;
    }

    private long? PreviousEnd(string camera, long start)
    {
        if (_lastEnds.TryGetValue(camera, out var end) && end > start - 10 * StitchToleranceMs)
        {
            return end;
        }
        // After a restart: the last filed file before this one, from the archive itself.
        long? found = null;
        foreach (var (file, fileStart) in _layout.FilesStartingBetween(camera, start - 10 * StitchToleranceMs, start + StitchToleranceMs))
        {
            if (RecordingIndex.TryRead(ArchiveLayout.IndexPathOf(file)) is { } index)
            {
                found = Math.Max(found ?? 0, index.EndMs);
            }
        }
        return found;
    }
}
