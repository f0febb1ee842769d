using System.Buffers;

namespace Vigil.Protocol.Link;

/// <summary>Cuts transport frames out of a byte sequence (Kestrel and Pipelines style).</summary>
public static class LinkFrameReader
{
    /// <summary>
    /// Takes one whole frame body off the front of <paramref name="buffer"/>. False when more bytes are
    /// needed. A length below the smallest transport frame is refused before anything is buffered.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < LinkFraming.HeaderLength)
        {
            return false;
        }
        int length;
        var first = buffer.FirstSpan;
        if (first.Length >= LinkFraming.HeaderLength)
        {
            length = LinkFraming.ReadHeader(first);
        }
        else
        {
            Span<byte> header = stackalloc byte[LinkFraming.HeaderLength];
            buffer.Slice(0, LinkFraming.HeaderLength).CopyTo(header);
            length = LinkFraming.ReadHeader(header);
        }
        if (length < LinkFraming.MinTransportLength)
        {
            throw new LinkProtocolException("short_frame");
        }
        if (buffer.Length < LinkFraming.HeaderLength + length)
        {
            return false;
        }
        frame = buffer.Slice(LinkFraming.HeaderLength, length);
        buffer = buffer.Slice(frame.End);
        return true;
    }
}
