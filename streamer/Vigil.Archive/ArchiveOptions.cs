namespace Vigil.Archive;

/// <summary>The service's configuration (deploy/vigil-archive/vigil-archive.json; each key also as an argument, --Key value).</summary>
public sealed class ArchiveOptions
{
    /// <summary>Where the service listens for nginx's proxied archive requests and nginx-rtmp's record_done notifications (loopback).</summary>
    public string Listen { get; set; } = "127.0.0.1:8490";

    /// <summary>nginx-rtmp's record_path: the files being recorded, CAMERA-UNIXSECONDS.flv.</summary>
    public string RecordDir { get; set; } = "/var/lib/vigil-archive/recording";

    /// <summary>The archive: ARCHIVE/CAMERA/YYYY/MM/DD/HHMMSS-mmm.flv with its index beside it.</summary>
    public string ArchiveDir { get; set; } = "/var/lib/vigil-archive/archive";

    /// <summary>The portal's archive policy for this streamer: https://PORTAL/hooks/nginx-rtmp/STREAMER/archive-policy (the key is read from <see cref="PortalKeyFile"/>).</summary>
    public string? PolicyUrl { get; set; }

    /// <summary>A file holding the streamer's hook key, the same key as in its nginx-rtmp hook URL.</summary>
    public string? PortalKeyFile { get; set; }

    /// <summary>How often the policy is asked again, in seconds.</summary>
    public int PolicyRefreshSeconds { get; set; } = 60;

    /// <summary>The depth (days) of a camera the portal has never named to this node.</summary>
    public int DefaultDepthDays { get; set; } = 7;

    /// <summary>How often retention and the disk guard run, in seconds.</summary>
    public int SweepSeconds { get; set; } = 60;

    /// <summary>The free space the disk guard keeps on the archive's file system, in MiB.</summary>
    public long MinFreeMegabytes { get; set; } = 2048;

    /// <summary>The longest range one request may ask for, in seconds (archive-FROM-DURATION, index-FROM-DURATION).</summary>
    public int MaxRangeSeconds { get; set; } = 6 * 3600;

    /// <summary>A file being recorded that has not grown for this long is taken as left by a crash and filed.</summary>
    public int StaleRecordingSeconds { get; set; } = 30;

    /// <summary>The target length of one HLS segment of a range, in seconds (segments are cut at keyframes).</summary>
    public int SegmentSeconds { get; set; } = 6;
}
