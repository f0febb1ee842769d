using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>
/// The log lines of camera discovery: scan imports and ONVIF through agents. No stream address is
/// ever an argument (they may carry a camera's credentials), nor a tunnel token.
/// </summary>
internal static partial class PortalLog
{
    [LoggerMessage(60, LogLevel.Information, "scan import: {Created} created, {Skipped} skipped, {Errors} errors")]
    public static partial void ScanImported(ILogger log, int created, int skipped, int errors);

    [LoggerMessage(61, LogLevel.Information, "ONVIF through device {DeviceId} port {Port}: {Outcome}")]
    public static partial void OnvifQueried(ILogger log, string deviceId, int port, string outcome);

    [LoggerMessage(62, LogLevel.Warning, "assignment of device {DeviceId} withheld: camera '{Camera}' has an onvif source that could not be resolved ({Reason}); tried again at its next hello or binding")]
    public static partial void OnvifSourceUnresolved(ILogger log, string deviceId, string camera, string reason);

    [LoggerMessage(63, LogLevel.Information, "device {DeviceId}: camera '{Camera}' resolved its onvif source to profile {Profile}")]
    public static partial void OnvifSourceResolved(ILogger log, string deviceId, string camera, string profile);
}
