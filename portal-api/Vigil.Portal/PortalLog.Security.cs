using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>The log lines of claims, secrets on disk, sessions and proxies.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(90, LogLevel.Information, "sticker {Serial} claimed by '{Login}': device {DeviceId}, key {Fingerprint}")]
    public static partial void StickerClaimed(ILogger log, string serial, string deviceId, string fingerprint, string login);

    [LoggerMessage(91, LogLevel.Warning, "{Path} was readable by other local users (mode {Mode}): now owner-only")]
    public static partial void FileTightened(ILogger log, string path, string mode);

    [LoggerMessage(92, LogLevel.Information, "password of '{Login}' changed by '{Actor}': {Sessions} other session(s) and {Keys} API key(s) ended")]
    public static partial void PasswordChanged(ILogger log, string login, string actor, int sessions, int keys);

    [LoggerMessage(93, LogLevel.Information, "forwarded headers trusted from {Proxies}")]
    public static partial void TrustedProxies(ILogger log, string proxies);
}
