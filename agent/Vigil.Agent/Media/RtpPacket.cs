using System.Buffers.Binary;

namespace Vigil.Agent.Media;

/// <summary>One RTP packet (RFC 3550 section 5.1), read over the bytes it came in.</summary>
internal readonly ref struct RtpPacket
{
    public RtpPacket(ushort sequence, uint timestamp, bool marker, int payloadType, uint ssrc, ReadOnlySpan<byte> payload)
    {
        Ssrc = ssrc;
        Sequence = sequence;
        Timestamp = timestamp;
        Marker = marker;
        PayloadType = payloadType;
        Payload = payload;
    }

    public ushort Sequence { get; }
    public uint Timestamp { get; }
    public bool Marker { get; }
    public int PayloadType { get; }
    public uint Ssrc { get; }
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Reads the fixed header, skips CSRCs and a header extension, and drops padding; false for
    /// anything that is not version 2 or whose lengths do not fit.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet)
    {
        packet = default;
        if (data.Length < 12 || data[0] >> 6 != 2)
        {
            return false;
        }
        var offset = 12 + 4 * (data[0] & 0x0F);
        if ((data[0] & 0x10) != 0)
        {
            if (offset + 4 > data.Length)
            {
                return false;
            }
            offset += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
        }
        var end = data.Length;
        if ((data[0] & 0x20) != 0)
        {
            end -= data[^1];
        }
        if (offset > end)
        {
            return false;
        }
        packet = new RtpPacket(
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            (data[1] & 0x80) != 0,
            data[1] & 0x7F,
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            data[offset..end]);
        return true;
    }
}
