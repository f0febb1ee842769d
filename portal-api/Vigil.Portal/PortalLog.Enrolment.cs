using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>The log lines of the enrolment policy. No enrolment token is ever an argument.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(90, LogLevel.Warning, "new device {DeviceId} from {Address} on relay {Node} refused: {Reason}")]
    public static partial void EnrolmentRefused(ILogger log, string deviceId, string address, string node, string reason);
}
