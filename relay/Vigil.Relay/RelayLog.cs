using Microsoft.Extensions.Logging;

namespace Vigil.Relay;

/// <summary>The relay's log events. No secret (key, token) is ever an argument.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(1, LogLevel.Information, "Agent {DeviceId} connected from {Remote} (serial {Serial}, agent {Version})")]
    public static partial void SessionOpened(ILogger logger, string deviceId, string? remote, string? serial, string? version);

    [LoggerMessage(2, LogLevel.Information, "Agent {DeviceId} disconnected: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Connection from {Remote} refused before its session began: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string? remote, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Draining: {Count} agents told to go away, retry after {RetryAfter} s")]
    public static partial void Draining(ILogger logger, int count, int retryAfter);

    [LoggerMessage(5, LogLevel.Information, "Tunnel to {DeviceId}:{Port} for {Subject} opened")]
    public static partial void TunnelOpened(ILogger logger, string deviceId, int port, string? subject);

    [LoggerMessage(6, LogLevel.Warning, "Tunnel to {DeviceId}:{Port} refused: {Reason}")]
    public static partial void TunnelRefused(ILogger logger, string deviceId, int port, string reason);

    [LoggerMessage(7, LogLevel.Information, "Relay node {NodeId}: agents on {Listen}, API on {ApiListen}, public key {PublicKey}")]
    public static partial void Started(ILogger logger, string nodeId, string listen, string apiListen, string publicKey);

    [LoggerMessage(8, LogLevel.Warning, "Made a new {What} at {Path}")]
    public static partial void MadeSecret(ILogger logger, string what, string path);

    [LoggerMessage(9, LogLevel.Warning, "OpenSSL X25519 is not available (libcrypto.so.3 or .so.1.1); handshakes use the slower managed X25519")]
    public static partial void ManagedDh(ILogger logger);

    [LoggerMessage(10, LogLevel.Warning, "The portal is unreachable: {Reason}")]
    public static partial void PortalUnreachable(ILogger logger, string reason);

    [LoggerMessage(11, LogLevel.Warning, "The portal refused the hello of {DeviceId} with {Status}")]
    public static partial void PortalRefused(ILogger logger, string deviceId, int status);

    [LoggerMessage(12, LogLevel.Information, "Device {DeviceId} is {State}: sent away")]
    public static partial void DeviceRefused(ILogger logger, string deviceId, string state);

    [LoggerMessage(13, LogLevel.Warning, "Device {DeviceId} did not take its assignment: {Reason}")]
    public static partial void AssignmentRefused(ILogger logger, string deviceId, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Agent {DeviceId} from {Remote} closed for abuse of the link: {Reason}")]
    public static partial void PeerAbuse(ILogger logger, string deviceId, string? remote, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Connection from {Remote} refused: {Reason} (pending handshakes: {Pending})")]
    public static partial void HandshakeLimit(ILogger logger, string? remote, string reason, int pending);

    [LoggerMessage(16, LogLevel.Warning, "Tunnel token for {DeviceId}:{Port} refused: already used")]
    public static partial void TunnelReplay(ILogger logger, string deviceId, int port);
}
