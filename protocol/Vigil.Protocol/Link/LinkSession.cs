using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Link;

/// <summary>
/// One established relay link after its Noise handshake: encrypts and decrypts mux frames,
/// multiplexes streams with credit-based flow control, answers heartbeats and hands control
/// messages to the side that owns it. It does no I/O of its own: the agent drives it from a
/// socket, the relay from Kestrel's pipes. Split by role: .Read.cs, .Write.cs, .Streams.cs.
/// </summary>
public abstract partial class LinkSession
{
    private readonly CipherState _send;
    private readonly CipherState _receive;
    private readonly LinkOptions _options;
    private int _closed;

    protected LinkSession(CipherState send, CipherState receive, LinkOptions options, bool isInitiator)
    {
        _send = send;
        _receive = receive;
        _options = options;
        // The side that started the handshake numbers its streams odd, the other even; 0 is control.
        _nextStreamId = isInitiator ? 1u : 2u;
        LastReceivedTicks = LastSentTicks = Environment.TickCount64;
    }

    public LinkOptions Options => _options;

    /// <summary>When the last frame arrived (Environment.TickCount64), for the heartbeat deadline.</summary>
    public long LastReceivedTicks { get; private set; }

    /// <summary>When the last frame left, so heartbeats are sent only on an otherwise silent link.</summary>
    public long LastSentTicks { get; private set; }

    /// <summary>The last heartbeat round trip, in milliseconds (-1 before the first).</summary>
    public double LastRoundTripMs { get; private set; } = -1;

    public long BytesReceived { get; private set; }
    public long BytesSent { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public string? CloseReason { get; private set; }

    /// <summary>
    /// Closes the link once: every stream fails, the transport is closed. Safe from any thread and
    /// any number of times; only the first reason is kept.
    /// </summary>
    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        CloseReason = reason;
        FailAllStreams();
        OnClosed(reason);
        _send.Dispose();
        // The receive state is disposed by the reader when it stops (it may be mid-frame now).
    }

    /// <summary>Called once when the link closes: close the transport, update the registry.</summary>
    protected abstract void OnClosed(string reason);

    /// <summary>A control message arrived; the JSON is valid only until the returned task completes.</summary>
    protected abstract ValueTask OnControlAsync(ReadOnlyMemory<byte> json);

    /// <summary>
    /// The peer asks to open a stream to a local port. The default refuses: only an agent serves streams.
    /// An override must not block the read loop: start the work and return.
    /// </summary>
    protected virtual void OnStreamRequested(MuxStream stream)
    {
        stream.Refuse(MuxError.PortNotAllowed, "this side serves no streams");
    }

    /// <summary>Releases the receive state once the reader has stopped.</summary>
    public void ReleaseReader() => _receive.Dispose();
}

/// <summary>A frame broke the protocol; the link is closed with <see cref="Reason"/> as the metric label.</summary>
public sealed class LinkProtocolException : Exception
{
    public LinkProtocolException(string reason)
        : base($"link protocol error: {reason}")
    {
        Reason = reason;
    }

    /// <summary>With <paramref name="detail"/>, the words a person reads beside the metric label.</summary>
    public LinkProtocolException(string reason, string detail)
        : base($"link protocol error: {reason}: {detail}")
    {
        Reason = reason;
    }

    public string Reason { get; }
}

/// <summary>The link is closed; nothing more can be sent on it.</summary>
public sealed class LinkClosedException(string? reason) : IOException($"the link is closed ({reason ?? "closed"})");
