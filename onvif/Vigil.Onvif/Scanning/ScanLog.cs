using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Vigil.Onvif.Scanning;

/// <summary>The scanner's log events. Credentials never appear; device text is logged as data.</summary>
internal static partial class ScanLog
{
    [LoggerMessage(1, LogLevel.Information, "Scanning on {Interface} (index {Index}, IPv4 {IPv4}, IPv6 link-local {IPv6})")]
    public static partial void InterfaceUsed(ILogger logger, string @interface, int index, string iPv4, bool iPv6);

    [LoggerMessage(2, LogLevel.Debug, "Not scanning on {Interface}: {Why}")]
    public static partial void InterfaceSkipped(ILogger logger, string @interface, string why);

    [LoggerMessage(3, LogLevel.Warning, "{Protocol}: no {Family} socket ({Message}); that part of the scan is skipped")]
    public static partial void SocketUnavailable(ILogger logger, ScanProtocols protocol, AddressFamily family, string message);

    [LoggerMessage(4, LogLevel.Information, "{Protocol}: port {Port} is taken ({Message}); listening on another port, multicast answers to {Port} will be missed")]
    public static partial void PortTaken(ILogger logger, ScanProtocols protocol, int port, string message);

    [LoggerMessage(5, LogLevel.Warning, "{Protocol}: cannot join {Group} on {Interface}: {Message}")]
    public static partial void JoinFailed(ILogger logger, ScanProtocols protocol, IPAddress group, string @interface, string message);

    [LoggerMessage(6, LogLevel.Debug, "{Protocol}: cannot send to {Destination} {Interface}: {Message}")]
    public static partial void SendFailed(ILogger logger, ScanProtocols protocol, string destination, string @interface, string message);

    [LoggerMessage(7, LogLevel.Warning, "{Protocol}: flood from {Source}; its datagrams beyond the rate limit are dropped unread")]
    public static partial void Flood(ILogger logger, ScanProtocols protocol, IPAddress source);

    [LoggerMessage(8, LogLevel.Information, "{Protocol}: ignored a datagram from {Source}: {Reason}")]
    public static partial void Refused(ILogger logger, ScanProtocols protocol, IPAddress source, string reason);

    [LoggerMessage(9, LogLevel.Information, "Found {Address} by {Protocol} on {Interface}")]
    public static partial void DeviceFound(ILogger logger, IPAddress address, ScanProtocols protocol, string @interface);

    [LoggerMessage(10, LogLevel.Information, "WS-Discovery Bye from {Endpoint}: it left")]
    public static partial void DeviceLeft(ILogger logger, string endpoint);

    [LoggerMessage(11, LogLevel.Information, "{Address}: ONVIF query failed: {Reason}")]
    public static partial void OnvifQueryFailed(ILogger logger, IPAddress address, string reason);

    [LoggerMessage(12, LogLevel.Information, "{Address}: UPnP description not read: {Reason}")]
    public static partial void DescriptionFailed(ILogger logger, IPAddress address, string reason);

    [LoggerMessage(13, LogLevel.Warning, "The scan holds {Max} devices at most; {Count} more were not recorded")]
    public static partial void DeviceCap(ILogger logger, int max, int count);

    [LoggerMessage(14, LogLevel.Warning, "{Count} datagrams were dropped because the scan could not parse them fast enough")]
    public static partial void QueueFull(ILogger logger, long count);

    [LoggerMessage(15, LogLevel.Error, "{Protocol}: a datagram from {Source} broke its handler; the scan goes on")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, ScanProtocols protocol, IPAddress source);

    [LoggerMessage(16, LogLevel.Information, "Scan done in {Milliseconds} ms: {Devices} devices, {Refused} datagrams ignored, {Dropped} dropped by the rate limit")]
    public static partial void Finished(ILogger logger, long milliseconds, int devices, long refused, long dropped);

    [LoggerMessage(17, LogLevel.Warning, "No interface to scan on (every one is down, loopback, without multicast or without an address)")]
    public static partial void NoInterface(ILogger logger);

    [LoggerMessage(19, LogLevel.Debug, "Stopping at {Milliseconds} ms: closing sockets, cancelling questions still open")]
    public static partial void Stopping(ILogger logger, long milliseconds);

    [LoggerMessage(18, LogLevel.Debug, "WS-Discovery Hello from {Source} is not an ONVIF device ({Types}); ignored")]
    public static partial void NotOnvif(ILogger logger, IPAddress source, string types);

    [LoggerMessage(20, LogLevel.Information, "The answer from {Source} names another host in its XAddrs, {Host}: {What}")]
    public static partial void ForeignXAddr(ILogger logger, IPAddress source, string host, string what);
}
