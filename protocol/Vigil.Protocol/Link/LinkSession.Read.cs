using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Link;

public abstract partial class LinkSession
{
    /// <summary>
    /// Handles one frame body as it came off the wire (ciphertext and tag, without the length prefix).
    /// Throws <see cref="LinkProtocolException"/> when the frame breaks the protocol; the caller then
    /// closes the link with that reason. The memory is not kept after the returned task completes.
    /// </summary>
    public async ValueTask ProcessFrameAsync(ReadOnlyMemory<byte> ciphertext)
    {
        if (ciphertext.Length < LinkFraming.MinTransportLength)
        {
            throw new LinkProtocolException("short_frame");
        }
        var plain = ArrayPool<byte>.Shared.Rent(ciphertext.Length);
        try
        {
            int length;
            try
            {
                length = _receive.DecryptWithAd(default, ciphertext.Span, plain);
            }
            catch (NoiseException)
            {
                // A bad tag: tampering, a replayed or reordered frame, or a peer with other keys.
                throw new LinkProtocolException("bad_tag");
            }
            LastReceivedTicks = Environment.TickCount64;
            BytesReceived += LinkFraming.HeaderLength + ciphertext.Length;
            await DispatchAsync(plain.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    private ValueTask DispatchAsync(ReadOnlyMemory<byte> plaintext)
    {
        if (!MuxFrame.TryParse(plaintext.Span, out var frame, out var error))
        {
            throw new LinkProtocolException(error!);
        }
        switch (frame.Type)
        {
            case MuxFrameType.Ping:
                // Answered without holding up the read loop: if both ends' socket buffers are full,
                // a reader that waits to write is how two peers deadlock.
                SendInBackground(SendFrameAsync(MuxFrameType.Pong, 0, frame.Body.ToArray(), CancellationToken.None));
                return default;
            case MuxFrameType.Pong:
                var sent = BinaryPrimitives.ReadInt64BigEndian(frame.Body);
                var elapsed = Stopwatch.GetElapsedTime(sent);
                if (elapsed >= TimeSpan.Zero && elapsed < TimeSpan.FromHours(1))
                {
                    LastRoundTripMs = elapsed.TotalMilliseconds;
                }
                return default;
            case MuxFrameType.Control:
                return OnControlAsync(plaintext[MuxFrame.HeaderLength..]);
            default:
                OnStreamFrame(frame);
                return default;
        }
    }
}
