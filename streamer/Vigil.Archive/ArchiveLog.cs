using Microsoft.Extensions.Logging;

namespace Vigil.Archive;

/// <summary>The service's log events.</summary>
internal static partial class ArchiveLog
{
    [LoggerMessage(1, LogLevel.Information, "vigil-archive listening on {Listen}: recordings from {RecordDir}, archive in {ArchiveDir}")]
    public static partial void Started(ILogger logger, string listen, string recordDir, string archiveDir);

    [LoggerMessage(2, LogLevel.Information, "Filed {Source} as {Target} ({DurationMs} ms, {Keyframes} keyframes)")]
    public static partial void Filed(ILogger logger, string source, string target, long durationMs, int keyframes);

    [LoggerMessage(3, LogLevel.Warning, "Could not file {Source}: {Reason}")]
    public static partial void FilingFailed(ILogger logger, string source, string reason);

    [LoggerMessage(4, LogLevel.Information, "Retention: deleted {Count} files of {Camera} older than {DepthDays} days")]
    public static partial void Expired(ILogger logger, string camera, int count, int depthDays);

    [LoggerMessage(5, LogLevel.Warning, "Disk guard: {FreeMb} MiB free under the floor of {FloorMb} MiB; deleted {Count} oldest files ({Bytes} bytes)")]
    public static partial void DiskGuard(ILogger logger, long freeMb, long floorMb, int count, long bytes);

    [LoggerMessage(6, LogLevel.Warning, "The archive policy could not be read: {Reason}; keeping the last depths")]
    public static partial void PolicyFailed(ILogger logger, string reason);

    [LoggerMessage(7, LogLevel.Debug, "Refused {Path}: {Reason}")]
    public static partial void Refused(ILogger logger, string path, string reason);

    [LoggerMessage(8, LogLevel.Warning, "{Path} ends with bytes that are no FLV ({Reason}); filed up to them")]
    public static partial void Corrupt(ILogger logger, string path, string reason);
}
