using System.Globalization;

namespace Vigil.Archive.Store;

/// <summary>
/// Where recordings live: ARCHIVE/CAMERA/YYYY/MM/DD/HHMMSS-mmm.flv (UTC, the file's first frame), its
/// index NAME.idx beside it. A moment is found by listing one day's folder of a camera (a few hundred
/// files at most), never a week of them. Files being recorded are in the record folder, named as
/// nginx-rtmp names them with record_unique: CAMERA-UNIXSECONDS.flv.
/// </summary>
public sealed class ArchiveLayout
{
    /// <summary>The longest a recording may last (record_interval plus a keyframe interval, with room): how far before a day a file may start and still reach into it.</summary>
    public static readonly TimeSpan MaxRecordingLength = TimeSpan.FromHours(1);

    public ArchiveLayout(string archiveDir, string recordDir)
    {
        ArchiveDir = Path.GetFullPath(archiveDir);
        RecordDir = Path.GetFullPath(recordDir);
    }

    public string ArchiveDir { get; }

    public string RecordDir { get; }

    public string CameraDir(string camera) => CameraName.IsValid(camera)
        ? Path.Combine(ArchiveDir, camera)
        : throw new ArgumentException("not a camera name", nameof(camera));

    public string DayDir(string camera, DateOnly day) =>
        Path.Combine(CameraDir(camera), day.Year.ToString("D4", CultureInfo.InvariantCulture),
            day.Month.ToString("D2", CultureInfo.InvariantCulture), day.Day.ToString("D2", CultureInfo.InvariantCulture));

    /// <summary>The path of a recording of <paramref name="camera"/> whose first frame is at <paramref name="startMs"/>.</summary>
    public string PathFor(string camera, long startMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(startMs).UtcDateTime;
        return Path.Combine(DayDir(camera, DateOnly.FromDateTime(t)), t.ToString("HHmmss'-'fff", CultureInfo.InvariantCulture) + ".flv");
    }

    public static string IndexPathOf(string flvPath) => Path.ChangeExtension(flvPath, ".idx");

    /// <summary>The start of an archived file from its day and its name; false for anything else.</summary>
    public static bool TryParseStart(DateOnly day, string fileName, out long startMs)
    {
        startMs = 0;
        // HHMMSS-mmm.flv
        if (fileName.Length != 14 || !fileName.EndsWith(".flv", StringComparison.Ordinal) || fileName[6] != '-'
            || !int.TryParse(fileName.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(fileName.AsSpan(2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || !int.TryParse(fileName.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            || !int.TryParse(fileName.AsSpan(7, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || h > 23 || m > 59 || s > 59)
        {
            return false;
        }
        startMs = new DateTimeOffset(day.ToDateTime(new TimeOnly(h, m, s, ms), DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>The archived files of a camera that start in [<paramref name="fromMs"/> - the longest recording, <paramref name="toMs"/>), by start.</summary>
    public IEnumerable<(string Path, long StartMs)> FilesStartingBetween(string camera, long fromMs, long toMs)
    {
        var first = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, fromMs - (long)MaxRecordingLength.TotalMilliseconds)).UtcDateTime);
        var last = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, toMs)).UtcDateTime);
        // A range of weeks looks at each day's folder; a longer one (recording_status.json of the whole
        // archive) lists the folders that exist instead of asking after every day since 1970.
        var days = last.DayNumber - first.DayNumber > 62
            ? Days(camera).Where(d => d.Day >= first && d.Day <= last).ToList()
            : Enumerable.Range(0, last.DayNumber - first.DayNumber + 1).Select(i => first.AddDays(i)).Select(d => (Day: d, Dir: DayDir(camera, d))).ToList();
        foreach (var (day, dir) in days)
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }
            var files = new List<(string, long)>();
            foreach (var path in Directory.EnumerateFiles(dir, "*.flv"))
            {
                if (TryParseStart(day, Path.GetFileName(path), out var start) && start < toMs)
                {
                    files.Add((path, start));
                }
            }
            files.Sort((a, b) => a.Item2.CompareTo(b.Item2));
            foreach (var f in files)
            {
                yield return f;
            }
        }
    }

    /// <summary>The cameras with an archive on this node.</summary>
    public IEnumerable<string> Cameras() => Directory.Exists(ArchiveDir)
        ? Directory.EnumerateDirectories(ArchiveDir).Select(d => Path.GetFileName(d)).Where(n => CameraName.IsValid(n))
        : [];

    /// <summary>The days with recordings of a camera, oldest first.</summary>
    public IEnumerable<(DateOnly Day, string Dir)> Days(string camera)
    {
        var root = CameraDir(camera);
        if (!Directory.Exists(root))
        {
            yield break;
        }
        var days = new List<(DateOnly, string)>();
        foreach (var y in Directory.EnumerateDirectories(root))
        {
            foreach (var m in Directory.EnumerateDirectories(y))
            {
                foreach (var d in Directory.EnumerateDirectories(m))
                {
                    if (int.TryParse(Path.GetFileName(y), NumberStyles.None, CultureInfo.InvariantCulture, out var yy)
                        && int.TryParse(Path.GetFileName(m), NumberStyles.None, CultureInfo.InvariantCulture, out var mm)
                        && int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var dd)
                        && yy is >= 1970 and <= 9999 && mm is >= 1 and <= 12 && dd >= 1 && dd <= DateTime.DaysInMonth(yy, mm))
                    {
                        days.Add((new DateOnly(yy, mm, dd), d));
                    }
                }
            }
        }
        days.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        foreach (var day in days)
        {
            yield return day;
        }
    }

    /// <summary>A file nginx-rtmp is recording or left: CAMERA-UNIXSECONDS.flv in the record folder; false for any other name.</summary>
    public static bool TryParseRecording(string fileName, out string camera, out long openedSeconds)
    {
        camera = "";
        openedSeconds = 0;
        if (!fileName.EndsWith(".flv", StringComparison.Ordinal))
        {
            return false;
        }
        var stem = fileName.AsSpan(0, fileName.Length - 4);
        var dash = stem.LastIndexOf('-');
        if (dash <= 0 || !long.TryParse(stem[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out openedSeconds)
            || openedSeconds > 253402300799 || !CameraName.IsValid(stem[..dash]))
        {
            return false;
        }
        camera = stem[..dash].ToString();
        return true;
    }
}
