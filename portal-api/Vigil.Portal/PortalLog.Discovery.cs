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
}
