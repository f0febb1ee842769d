using System.Buffers;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Link;

/// <summary>
/// The handshake's framing, written and read here only. The initiator's first flight is the
/// preamble, a 2-byte big-endian length and Noise message 1; the responder answers with a 2-byte
/// length and message 2. A handshake message is small: a length over
/// <see cref="MaxMessageLength"/> is refused from its header, before its body is waited for or
/// buffered. Every refusal is a <see cref="LinkProtocolException"/> whose reason the relay counts.
/// </summary>
public static class HandshakeFrame
{
    public const int MaxMessageLength = LinkFraming.MaxHandshakeLength;

    /// <summary>The largest first flight: preamble, header and the largest message.</summary>
    public const int MaxInitiationLength = LinkPreamble.Length + LinkFraming.HeaderLength + MaxMessageLength;

    /// <summary>The largest answer: header and the largest message.</summary>
    public const int MaxFrameLength = LinkFraming.HeaderLength + MaxMessageLength;

    /// <summary>Writes the preamble and the framed message 1 of <paramref name="initiator"/>; returns the bytes written.</summary>
    public static int WriteInitiation(HandshakeState initiator, ReadOnlySpan<byte> preamble, Span<byte> destination)
    {
        preamble[..LinkPreamble.Length].CopyTo(destination);
        return LinkPreamble.Length + WriteMessage(initiator, destination[LinkPreamble.Length..]);
    }

    /// <summary>Writes the framed next message of <paramref name="state"/> (the responder's message 2); returns the bytes written.</summary>
    public static int WriteMessage(HandshakeState state, Span<byte> destination)
    {
        var room = Math.Min(destination.Length - LinkFraming.HeaderLength, MaxMessageLength);
        var length = state.WriteMessage(default, destination.Slice(LinkFraming.HeaderLength, room));
        LinkFraming.WriteHeader(destination, length);
        return LinkFraming.HeaderLength + length;
    }

    /// <summary>The length a handshake frame's header announces; refused when over the cap.</summary>
    public static int ReadLength(ReadOnlySpan<byte> header)
    {
        var length = LinkFraming.ReadHeader(header);
        if (length > MaxMessageLength)
        {
            throw new LinkProtocolException("frame_too_large", $"a handshake message of {length} bytes, over the cap of {MaxMessageLength}");
        }
        return length;
    }

    /// <summary>
    /// Takes the first flight off the front of <paramref name="buffer"/>: false while more bytes are
    /// needed. A bad preamble or an oversize length is refused as soon as its bytes are in.
    /// </summary>
    public static bool TryReadInitiation(ref ReadOnlySequence<byte> buffer, Span<byte> preamble, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < LinkPreamble.Length)
        {
            return false;
        }
        buffer.Slice(0, LinkPreamble.Length).CopyTo(preamble);
        if (!LinkPreamble.TryRead(preamble, out _, out var error))
        {
            throw new LinkProtocolException(error!, "the connection did not start with a Vigil link preamble of a version this end speaks");
        }
        var rest = buffer.Slice(LinkPreamble.Length);
        if (!TryReadMessage(ref rest, out message))
        {
            return false;
        }
        buffer = rest;
        return true;
    }

    /// <summary>Takes one framed handshake message off the front of <paramref name="buffer"/>: false while more bytes are needed.</summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < LinkFraming.HeaderLength)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[LinkFraming.HeaderLength];
        buffer.Slice(0, LinkFraming.HeaderLength).CopyTo(header);
        var length = ReadLength(header);
        if (buffer.Length < LinkFraming.HeaderLength + length)
        {
            return false;
        }
        message = buffer.Slice(LinkFraming.HeaderLength, length);
        buffer = buffer.Slice(message.End);
        return true;
    }

    /// <summary>The reason for bytes that ended before a whole handshake frame came in.</summary>
    public static LinkProtocolException Truncated(long received) => received == 0
        ? new LinkProtocolException("closed_before_handshake", "the connection closed before the handshake")
        : new LinkProtocolException("truncated_handshake", $"the connection closed after {received} bytes, inside a handshake frame");

    /// <summary>
    /// Reads one framed handshake message with <paramref name="receiveExactly"/> (which fills a buffer
    /// or throws <see cref="EndOfStreamException"/>) into <paramref name="buffer"/>; returns its length.
    /// For blocking readers; the length is checked before the body is read.
    /// </summary>
    public static int ReadMessage(ReceiveExactly receiveExactly, Span<byte> buffer)
    {
        receiveExactly(buffer[..LinkFraming.HeaderLength]);
        var length = ReadLength(buffer);
        receiveExactly(buffer[..length]);
        return length;
    }

    /// <summary>Reads one framed handshake message from a socket; returns it.</summary>
    public static async ValueTask<byte[]> ReadMessageAsync(System.Net.Sockets.Socket socket, CancellationToken cancellationToken = default)
    {
        var header = new byte[LinkFraming.HeaderLength];
        await SocketIo.ReceiveExactlyAsync(socket, header, cancellationToken).ConfigureAwait(false);
        var message = new byte[ReadLength(header)];
        await SocketIo.ReceiveExactlyAsync(socket, message, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>Reads one framed handshake message from a stream; returns it.</summary>
    public static async ValueTask<byte[]> ReadMessageAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var header = new byte[LinkFraming.HeaderLength];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var message = new byte[ReadLength(header)];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>Fills the span from the connection, or throws <see cref="EndOfStreamException"/>.</summary>
    public delegate void ReceiveExactly(Span<byte> buffer);
}
