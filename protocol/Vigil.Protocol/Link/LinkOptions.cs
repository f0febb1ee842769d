namespace Vigil.Protocol.Link;

/// <summary>The limits of one link. Both ends must agree on <see cref="StreamWindow"/> (fixed in version 1).</summary>
public sealed class LinkOptions
{
    /// <summary>The initial credit of every stream in each direction (protocol constant of version 1).</summary>
    public const int DefaultStreamWindow = 256 * 1024;

    public int StreamWindow { get; init; } = DefaultStreamWindow;

    /// <summary>
    /// How many streams may be open at once. With <see cref="StreamWindow"/> this is the session's memory
    /// cap: a receiver never buffers more than MaxStreams x StreamWindow bytes of stream data.
    /// </summary>
    public int MaxStreams { get; init; } = 16;

    /// <summary>How long an opener waits for the peer's OpenOk or Reset.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public long SessionBufferCap => (long)MaxStreams * StreamWindow;

    /// <summary>
    /// How many frames may wait to be written at once (the one being written included). A peer that
    /// never reads makes this side queue answers (PONG, RESET, WINDOW) for every frame it sends; past
    /// this cap the link is closed (<c>send_queue_full</c>) instead of growing without bound. An honest
    /// peer never comes near it: every stream writer waits for its frame, and heartbeats are rare.
    /// </summary>
    public int MaxQueuedFrames { get; init; } = 1024;

    /// <summary>
    /// How many bytes of frames may wait to be written at once. Above every stream's largest frame
    /// plus control traffic, so only a peer that stopped reading reaches it.
    /// </summary>
    public long MaxQueuedBytes { get; init; } = 4L * 1024 * 1024;
}
