using System.Buffers;
using System.Buffers.Binary;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Link;

public abstract partial class LinkSession
{
    // Created on first send: an idle link on a relay holding tens of thousands should cost little.
    private SemaphoreSlim? _writeLock;

    /// <summary>
    /// Writes one whole frame (length prefix and ciphertext) to the transport and flushes it. Called
    /// under the session's write lock, one frame at a time, in nonce order. The token is never
    /// cancelled: a frame once encrypted must be written whole (to stop a stuck write, close the link).
    /// </summary>
    protected abstract ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    public ValueTask SendControlAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        if (json.Length is 0 or > MuxFrame.MaxControlLength)
        {
            throw new ArgumentException("a control message is 1 to 16384 bytes", nameof(json));
        }
        return SendFrameAsync(MuxFrameType.Control, 0, json, cancellationToken);
    }

    /// <summary>Sends a heartbeat; the answer updates <see cref="LastRoundTripMs"/>.</summary>
    public ValueTask SendPingAsync(CancellationToken cancellationToken = default)
    {
        var body = new byte[MuxFrame.PingLength];
        BinaryPrimitives.WriteInt64BigEndian(body, System.Diagnostics.Stopwatch.GetTimestamp());
        return SendFrameAsync(MuxFrameType.Ping, 0, body, cancellationToken);
    }

    /// <summary>
    /// Sends without the caller waiting: for answers from a read loop (if both ends' socket buffers
    /// are full, a reader that waits to write is how two peers deadlock) and for fire-and-forget
    /// refusals. A link that closed meanwhile is not an error: nothing is owed to it.
    /// </summary>
    protected internal static void SendInBackground(ValueTask send) => _ = IgnoreClosedAsync(send);

    /// <summary>Sends a control message without the caller waiting (see <see cref="SendInBackground"/>).</summary>
    protected void SendControlInBackground(byte[] json) => SendInBackground(SendControlAsync(json));

    private static async Task IgnoreClosedAsync(ValueTask send)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (LinkClosedException)
        {
        }
    }

    internal ValueTask SendWindowAsync(uint streamId, int increment)
    {
        var body = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)increment);
        return SendFrameAsync(MuxFrameType.Window, streamId, body, CancellationToken.None);
    }

    /// <summary>The longest reason a Reset frame carries (its body is a 2-byte code and at most this).</summary>
    private const int MaxResetReasonBytes = 256;

    internal ValueTask SendResetAsync(uint streamId, MuxError code, string reason)
    {
        // The peer refuses a Reset whose reason is over 256 bytes and closes the whole link, so the
        // cut is by UTF-8 bytes (not characters) and at a character boundary.
        int chars = 0, bytes = 0;
        foreach (var rune in reason.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxResetReasonBytes)
            {
                break;
            }
            bytes += rune.Utf8SequenceLength;
            chars += rune.Utf16SequenceLength;
        }
        var text = System.Text.Encoding.UTF8.GetBytes(reason, 0, chars);
        var body = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        text.CopyTo(body, 2);
        return SendFrameAsync(MuxFrameType.Reset, streamId, body, CancellationToken.None);
    }

    /// <summary>
    /// Encrypts and writes one mux frame. Frames leave in the order they take the lock. A frame that
    /// would take the send queue past its cap (<see cref="LinkOptions.MaxQueuedFrames"/>,
    /// <see cref="LinkOptions.MaxQueuedBytes"/>) closes the link instead: the peer is not reading.
    /// </summary>
    internal async ValueTask SendFrameAsync(MuxFrameType type, uint streamId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (body.Length > MuxFrame.MaxBodyLength)
        {
            throw new ArgumentOutOfRangeException(nameof(body));
        }
        var plainLength = MuxFrame.HeaderLength + body.Length;
        var frameLength = LinkFraming.HeaderLength + plainLength + LinkFraming.TagLength;
        EnterSendQueue(frameLength);
        try
        {
            await SendQueuedFrameAsync(type, streamId, body, plainLength, frameLength, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            LeaveSendQueue(frameLength);
        }
    }

    private async ValueTask SendQueuedFrameAsync(MuxFrameType type, uint streamId, ReadOnlyMemory<byte> body, int plainLength, int frameLength,
        CancellationToken cancellationToken)
    {
        var writeLock = _writeLock ?? InitWriteLock();
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Rented only once the frame's turn has come: a waiting frame holds no buffers.
        var plain = ArrayPool<byte>.Shared.Rent(plainLength);
        var frame = ArrayPool<byte>.Shared.Rent(frameLength);
        try
        {
            if (IsClosed)
            {
                throw new LinkClosedException(CloseReason);
            }
            MuxFrame.WriteHeader(plain, type, streamId);
            body.Span.CopyTo(plain.AsSpan(MuxFrame.HeaderLength));
            var written = _send.EncryptWithAd(default, plain.AsSpan(0, plainLength), frame.AsSpan(LinkFraming.HeaderLength));
            LinkFraming.WriteHeader(frame, written);
            // The nonce is spent: from here the frame goes out whole or the link closes. Cancelling
            // halfway would leave a gap in the nonces or half a frame on the wire, and the peer would
            // fail every frame after it.
            Volatile.Write(ref _writingSinceTicks, Environment.TickCount64);
            await WriteFrameAsync(frame.AsMemory(0, LinkFraming.HeaderLength + written), CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _writingSinceTicks, 0);
            LastSentTicks = Environment.TickCount64;
            BytesSent += LinkFraming.HeaderLength + written;
        }
        catch (Exception e) when (e is not LinkClosedException)
        {
            // A failed write leaves the nonce sequence unknown to the peer: the link cannot go on.
            // That includes a transport that reports its failure as a cancellation: the caller's
            // token only ever cancels the wait for the lock above, before anything is spent.
            Close("write_failed");
            throw new LinkClosedException(CloseReason);
        }
        finally
        {
            writeLock.Release();
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private SemaphoreSlim InitWriteLock()
    {
        var created = new SemaphoreSlim(1, 1);
        return Interlocked.CompareExchange(ref _writeLock, created, null) ?? created;
    }
}
