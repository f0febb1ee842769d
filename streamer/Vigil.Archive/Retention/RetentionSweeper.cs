using Microsoft.Extensions.Logging;
using Vigil.Archive.Store;

namespace Vigil.Archive.Retention;

/// <summary>
/// Deletes whole files: those of each camera that end before its depth (now less dvr_depth days), and,
/// while the archive's file system has less free space than the floor, the oldest files of all cameras
/// first. Empty day folders go with their last file.
/// </summary>
public sealed class RetentionSweeper
{
    private readonly ArchiveLayout _layout;
    private readonly ArchivePolicy _policy;
    private readonly ArchiveMetrics _metrics;
    private readonly ILogger _log;
    private readonly long _floorBytes;
    private readonly Func<long> _freeBytes;

    public RetentionSweeper(ArchiveLayout layout, ArchivePolicy policy, ArchiveMetrics metrics, ArchiveOptions options, ILogger<RetentionSweeper> log,
        Func<long>? freeBytes = null)
    {
        _layout = layout;
        _policy = policy;
        _metrics = metrics;
        _log = log;
        _floorBytes = options.MinFreeMegabytes * 1024 * 1024;
        _freeBytes = freeBytes ?? (() => new DriveInfo(layout.ArchiveDir).AvailableFreeSpace);
    }

    /// <summary>One sweep at <paramref name="nowMs"/>: the number of files deleted by depth and by the disk guard.</summary>
    public (int Expired, int Guarded) Sweep(long nowMs)
    {
        var expired = 0;
        foreach (var camera in _layout.Cameras().ToList())
        {
            var depth = _policy.DepthDays(camera);
            var horizon = nowMs - depth * 86_400_000L;
            var count = 0;
            foreach (var (day, dir) in _layout.Days(camera).ToList())
            {
                var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
                if (dayStart >= horizon)
                {
                    break;
                }
                foreach (var (path, _) in Files(day, dir))
                {
                    var index = ArchiveCatalog.LoadIndex(path, 0);
                    if (index is null || index.EndMs <= horizon)
                    {
                        count += Delete(path).Files;
                    }
                }
                RemoveIfEmpty(dir);
            }
            if (count > 0)
            {
                ArchiveLog.Expired(_log, camera, count, depth);
                _metrics.Expired(count);
            }
            expired += count;
        }
        return (expired, Guard());
    }

    /// <summary>While the free space is under the floor, deletes the oldest file of any camera.</summary>
    private int Guard()
    {
        var free = _freeBytes();
        _metrics.FreeBytes(free);
        if (free >= _floorBytes)
        {
            return 0;
        }
        var startFree = free;
        var oldest = new PriorityQueue<(string Path, string Camera), long>();
        var cursors = new Dictionary<string, IEnumerator<(string, long)>>(StringComparer.Ordinal);
        foreach (var camera in _layout.Cameras())
        {
            var files = AllFiles(camera).GetEnumerator();
            cursors[camera] = files;
            if (files.MoveNext())
            {
                oldest.Enqueue((files.Current.Item1, camera), files.Current.Item2);
            }
        }
        var deleted = 0;
        long bytes = 0;
        while (free < _floorBytes && oldest.TryDequeue(out var next, out _))
        {
            var (files, size) = Delete(next.Path);
            deleted += files;
            bytes += size;
            RemoveIfEmpty(Path.GetDirectoryName(next.Path)!);
            free = _freeBytes();
            var cursor = cursors[next.Camera];
            if (cursor.MoveNext())
            {
                oldest.Enqueue((cursor.Current.Item1, next.Camera), cursor.Current.Item2);
            }
        }
        foreach (var c in cursors.Values)
        {
            c.Dispose();
        }
        _metrics.FreeBytes(free);
        if (deleted > 0)
        {
            _metrics.GuardDeleted(deleted, bytes);
            ArchiveLog.DiskGuard(_log, startFree / (1024 * 1024), _floorBytes / (1024 * 1024), deleted, bytes);
        }
        return deleted;
    }

    private IEnumerable<(string, long)> AllFiles(string camera)
    {
        foreach (var (day, dir) in _layout.Days(camera))
        {
            foreach (var f in Files(day, dir))
            {
                yield return f;
            }
        }
    }

    private static List<(string Path, long Start)> Files(DateOnly day, string dir)
    {
        var files = new List<(string, long)>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.flv"))
        {
            if (ArchiveLayout.TryParseStart(day, Path.GetFileName(path), out var start))
            {
                files.Add((path, start));
            }
        }
        files.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return files;
    }

    private static (int Files, long Bytes) Delete(string flvPath)
    {
        try
        {
            var size = new FileInfo(flvPath).Length;
            File.Delete(flvPath);
            File.Delete(ArchiveLayout.IndexPathOf(flvPath));
            return (1, size);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (0, 0);
        }
    }

    /// <summary>Removes a day folder left empty, and its month and year folders when they are empty too.</summary>
    private void RemoveIfEmpty(string dayDir)
    {
        var dir = dayDir;
        for (var level = 0; level < 3; level++)
        {
            try
            {
                if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    Directory.Delete(dir);
                }
            }
            catch (IOException)
            {
                return; // a file arrived meanwhile
            }
            dir = Path.GetDirectoryName(dir)!;
            if (dir.Length <= _layout.ArchiveDir.Length)
            {
                return;
            }
        }
    }
}
