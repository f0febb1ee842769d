using Microsoft.Extensions.Logging;

namespace Vigil.Archive.Store;

/// <summary>
/// Moves each finished recording from nginx-rtmp's record folder into the archive's layout, with its
/// index beside it: at nginx-rtmp's record_done notification, and for any file left behind (a crash of
/// nginx or of this service, a lost notification) once it has not grown for a while. One file at a time.
/// </summary>
public sealed class RecordingFiler
{
    private readonly ArchiveLayout _layout;
    private readonly LiveRecordings _live;
    private readonly ArchiveMetrics _metrics;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RecordingFiler(ArchiveLayout layout, LiveRecordings live, ArchiveMetrics metrics, ILogger<RecordingFiler> log)
    {
        _layout = layout;
        _live = live;
        _metrics = metrics;
        _log = log;
    }

    /// <summary>
    /// Files the recording at <paramref name="path"/>, which must be a CAMERA-SECONDS.flv directly in the
    /// record folder; returns where it went, or null when it was not one to file (or held no frame, and is deleted).
    /// </summary>
    public async Task<string?> FileAsync(string path, CancellationToken cancel)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) != _layout.RecordDir || !ArchiveLayout.TryParseRecording(Path.GetFileName(full), out var camera, out _))
        {
            throw new ArgumentException("not a recording of the record folder", nameof(path));
        }
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (!File.Exists(full))
            {
                return null; // filed already
            }
            var recording = _live.Measure(full);
            if (recording is null || recording.Index.Keyframes.Count == 0 && recording.Index.DurationMs == 0)
            {
                File.Delete(full);
                _live.Prune();
                return null;
            }
            var target = _layout.PathFor(camera, recording.StartMs);
            var start = recording.StartMs;
            while (File.Exists(target))
            {
                // Two files starting in the same millisecond: the second a millisecond later.
                start++;
                target = _layout.PathFor(camera, start);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var index = recording.Index.WithStart(start);
            // The index first: a file without its index is rebuilt, an index without its file is never read.
            index.Write(ArchiveLayout.IndexPathOf(target));
            File.Move(full, target);
            if (index.Length < new FileInfo(target).Length)
            {
                // A tail cut mid-tag by a crash: the index ends at the last whole tag, the bytes after it are never read.
                ArchiveLog.Corrupt(_log, target, "a tag cut short");
            }
            _live.Filed(full, recording with { Path = target, Index = index, Live = false });
            _metrics.Filed(new FileInfo(target).Length);
            ArchiveLog.Filed(_log, Path.GetFileName(full), target, index.DurationMs, index.Keyframes.Count);
            return target;
        }
        catch (IOException e)
        {
            ArchiveLog.FilingFailed(_log, full, e.Message);
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Files every recording of the record folder that has not grown for <paramref name="stale"/>: what a crash left, or a notification lost.</summary>
    public async Task<int> FileStaleAsync(TimeSpan stale, CancellationToken cancel)
    {
        if (!Directory.Exists(_layout.RecordDir))
        {
            return 0;
        }
        var filed = 0;
        var candidates = Directory.EnumerateFiles(_layout.RecordDir, "*.flv")
            .Where(p => ArchiveLayout.TryParseRecording(Path.GetFileName(p), out _, out _))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
        foreach (var path in candidates)
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) >= stale && await FileAsync(path, cancel).ConfigureAwait(false) is not null)
            {
                filed++;
            }
        }
        return filed;
    }
}
