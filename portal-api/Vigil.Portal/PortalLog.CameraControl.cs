using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>The log lines of camera control: PTZ, snapshots and events through the agents' tunnels. Never a credential.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(1700, LogLevel.Information, "camera '{Camera}': ONVIF link through device {DeviceId} opened, profile {Profile}")]
    public static partial void CameraLinkOpened(ILogger log, string camera, string deviceId, string profile);

    [LoggerMessage(1701, LogLevel.Information, "camera '{Camera}': PTZ {Action} {Detail} by {Login}")]
    public static partial void PtzAction(ILogger log, string camera, string login, string action, string detail);

    [LoggerMessage(1702, LogLevel.Warning, "camera '{Camera}': PTZ move stopped by the portal, no renewal within {Seconds} s")]
    public static partial void PtzStoppedByTimeout(ILogger log, string camera, double seconds);

    [LoggerMessage(1703, LogLevel.Warning, "camera '{Camera}': the portal's PTZ stop failed (attempt {Attempt}): {Reason}")]
    public static partial void PtzStopFailed(ILogger log, string camera, int attempt, string reason);

    [LoggerMessage(1704, LogLevel.Information, "camera '{Camera}': subscribed to its events")]
    public static partial void EventSubscribed(ILogger log, string camera);

    [LoggerMessage(1705, LogLevel.Warning, "camera '{Camera}': event subscription failed ({Reason}); again in {Seconds:0.#} s")]
    public static partial void EventSubscriptionFailed(ILogger log, string camera, string reason, double seconds);

    [LoggerMessage(1706, LogLevel.Warning, "camera '{Camera}': the event webhook failed: {Reason}")]
    public static partial void EventWebhookFailed(ILogger log, string camera, string reason);
}
