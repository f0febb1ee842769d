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
}
