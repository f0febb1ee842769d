namespace Vigil.Live;

internal static partial class LiveLog
{
    [LoggerMessage(1, LogLevel.Information, "viewer {Session} of '{Camera}' from {Address} started")]
    public static partial void ViewerStarted(ILogger log, string session, string camera, string address);

    [LoggerMessage(2, LogLevel.Information, "viewer {Session} of '{Camera}' ended: {Reason}")]
    public static partial void ViewerEnded(ILogger log, string session, string camera, string reason);

    [LoggerMessage(3, LogLevel.Information, "viewer of '{Camera}' from {Address} refused: {Reason}")]
    public static partial void ViewerRefused(ILogger log, string camera, string address, string reason);

    [LoggerMessage(4, LogLevel.Information, "feed of '{Camera}' started: mountpoint {Mountpoint}, RTP on port {Port}")]
    public static partial void FeedStarted(ILogger log, string camera, long mountpoint, int port);

    [LoggerMessage(5, LogLevel.Information, "feed of '{Camera}' ended: {Reason}")]
    public static partial void FeedEnded(ILogger log, string camera, string reason);

    [LoggerMessage(6, LogLevel.Warning, "the portal's hook did not answer ({Reason})")]
    public static partial void HookUnreachable(ILogger log, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Janus: {Reason}")]
    public static partial void JanusFailed(ILogger log, string reason);

    [LoggerMessage(8, LogLevel.Debug, "ffmpeg of '{Camera}': {Line}")]
    public static partial void FeederSaid(ILogger log, string camera, string line);

    [LoggerMessage(9, LogLevel.Information, "feed of '{Camera}' warmed for a viewer about to come from {Address}")]
    public static partial void FeedWarmed(ILogger log, string camera, string address);

    [LoggerMessage(10, LogLevel.Information, "warm request for '{Camera}' from {Address} declined: {Idle} feeds already run without a viewer")]
    public static partial void WarmDeclined(ILogger log, string camera, string address, int idle);

    [LoggerMessage(11, LogLevel.Information, "feed of '{Camera}' primed with the latest keyframe of its HLS fragment {Fragment} ({Bytes} bytes, {Packets} RTP packets)")]
    public static partial void FeedPrimed(ILogger log, string camera, string fragment, int bytes, int packets);

    [LoggerMessage(12, LogLevel.Information, "feed of '{Camera}' not primed ({Reason}): it starts at the camera's next keyframe")]
    public static partial void FeedNotPrimed(ILogger log, string camera, string reason);
}
