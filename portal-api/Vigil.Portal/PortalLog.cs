using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>Every log line of the portal. Passwords, tokens and keys never appear in any of them.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(1, LogLevel.Information, "schema migrated to version {Version} ({Name})")]
    public static partial void Migrated(ILogger log, int version, string name);

    [LoggerMessage(2, LogLevel.Error, "unhandled error on {Method} {Path}")]
    public static partial void Unhandled(ILogger log, string method, string path, Exception e);

    [LoggerMessage(3, LogLevel.Warning, "external login backend gave no answer ({Reason}); the local account decides")]
    public static partial void ExternalLoginFailed(ILogger log, string reason);

    [LoggerMessage(4, LogLevel.Warning, "login throttled for '{Login}' from {Address}")]
    public static partial void LoginThrottled(ILogger log, string login, string address);

    [LoggerMessage(5, LogLevel.Information, "failed login for '{Login}' from {Address}")]
    public static partial void LoginFailed(ILogger log, string login, string address);

    [LoggerMessage(6, LogLevel.Information, "'{Login}' logged in from {Address}")]
    public static partial void LoggedIn(ILogger log, string login, string address);

    [LoggerMessage(7, LogLevel.Information, "portal on {Database}, listening on {Listen}")]
    public static partial void Started(ILogger log, string database, string listen);

    [LoggerMessage(8, LogLevel.Information, "device {DeviceId} is now {State} (by {Actor})")]
    public static partial void DeviceState(ILogger log, string deviceId, string state, string actor);

    [LoggerMessage(9, LogLevel.Information, "import of {What}: {Created} created, {Updated} updated, {Errors} errors")]
    public static partial void Imported(ILogger log, string what, int created, int updated, int errors);

    [LoggerMessage(10, LogLevel.Information, "{Dialect} hook: {Action} of '{Name}' from {Address} {Verdict}: {Reason}")]
    public static partial void HookDecision(ILogger log, string dialect, string action, string name, string address, string verdict, string reason);

    [LoggerMessage(40, LogLevel.Debug, "{Dialect} hook: {Action} of '{Name}' from {Address} allowed")]
    public static partial void HookAllowed(ILogger log, string dialect, string action, string name, string address);

    [LoggerMessage(11, LogLevel.Warning, "relay node {NodeId} refused a command for {DeviceId}: {Reason}")]
    public static partial void RelayCommandFailed(ILogger log, string nodeId, string deviceId, string reason);

    [LoggerMessage(12, LogLevel.Information, "streamer {Name} is {Health}")]
    public static partial void StreamerHealth(ILogger log, string name, string health);

    [LoggerMessage(14, LogLevel.Warning, "streamer {Name} is down: camera '{Camera}' moved to {To}")]
    public static partial void CameraMoved(ILogger log, string name, string camera, string to);

    [LoggerMessage(15, LogLevel.Error, "streamer {Name} is down and no streamer that is up has room: {Count} camera(s) stay on it")]
    public static partial void NoRoomToMove(ILogger log, string name, int count);

    [LoggerMessage(16, LogLevel.Warning, "the database is unavailable on {Method} {Path}: {Reason}")]
    public static partial void DatabaseUnavailable(ILogger log, string method, string path, string reason);

    [LoggerMessage(13, LogLevel.Critical, "the embedded relay could not start: {Reason}")]
    public static partial void EmbeddedRelayFailed(ILogger log, string reason);

    [LoggerMessage(70, LogLevel.Information, "web portal served from {Root}")]
    public static partial void WebServed(ILogger log, string root);

    [LoggerMessage(71, LogLevel.Warning, "no web portal build in {Root} (no index.html): serving the API only")]
    public static partial void WebAbsent(ILogger log, string root);
}
