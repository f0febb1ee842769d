using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>The log lines of what agents say of their media.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(190, LogLevel.Warning, "device {DeviceId} refused its assignment ({Codec}): {Reason}; {Outcome}")]
    public static partial void MediaRefused(ILogger log, string deviceId, string codec, string reason, string outcome);
}
