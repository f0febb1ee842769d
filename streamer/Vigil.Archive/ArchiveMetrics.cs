using System.Globalization;
using System.Text;

namespace Vigil.Archive;

/// <summary>The service's counters, served as Prometheus text at /metrics (loopback: nginx does not proxy it).</summary>
public sealed class ArchiveMetrics
{
    private long _filed;
    private long _filedBytes;
    private long _expired;
    private long _guardDeleted;
    private long _guardBytes;
    private long _freeBytes = -1;
    private long _refused;

    public void Filed(long bytes)
    {
        Interlocked.Increment(ref _filed);
        Interlocked.Add(ref _filedBytes, bytes);
    }

    public void Expired(int files) => Interlocked.Add(ref _expired, files);

    public void GuardDeleted(int files, long bytes)
    {
        Interlocked.Add(ref _guardDeleted, files);
        Interlocked.Add(ref _guardBytes, bytes);
    }

    public void FreeBytes(long bytes) => Interlocked.Exchange(ref _freeBytes, bytes);

    public void Refused() => Interlocked.Increment(ref _refused);

    public long GuardDeletedFiles => Interlocked.Read(ref _guardDeleted);

    public string Render()
    {
        var text = new StringBuilder();
        Counter(text, "vigil_archive_files_filed_total", "Recordings filed into the archive.", _filed);
        Counter(text, "vigil_archive_bytes_filed_total", "Bytes of the recordings filed.", _filedBytes);
        Counter(text, "vigil_archive_files_expired_total", "Files deleted because they were older than their camera's depth.", _expired);
        Counter(text, "vigil_archive_disk_guard_files_deleted_total", "Oldest files deleted to keep the disk's free-space floor.", _guardDeleted);
        Counter(text, "vigil_archive_disk_guard_bytes_deleted_total", "Bytes deleted to keep the disk's free-space floor.", _guardBytes);
        Counter(text, "vigil_archive_requests_refused_total", "Archive requests refused as malformed.", _refused);
        text.Append("# HELP vigil_archive_disk_free_bytes Free bytes on the archive's file system at the last sweep.\n# TYPE vigil_archive_disk_free_bytes gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"vigil_archive_disk_free_bytes {Interlocked.Read(ref _freeBytes)}\n");
        return text.ToString();
    }

    private static void Counter(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
}
