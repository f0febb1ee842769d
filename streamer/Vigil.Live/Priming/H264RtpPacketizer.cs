using System.Buffers.Binary;

namespace Vigil.Live.Priming;

/// <summary>
/// One H.264 access unit as RTP packets (RFC 6184, packetization mode 1, as the feed's mountpoint is
/// declared): a NAL unit that fits goes alone, a larger one in FU-A fragments; the marker bit on the
/// access unit's last packet.
/// </summary>
internal sealed class H264RtpPacketizer(byte payloadType, uint ssrc, ushort firstSequence)
{
    /// <summary>RTP payload per packet, as the feed's ffmpeg sends (pkt_size=1200 with the 12-byte header).</summary>
    public const int MaxPayload = 1188;
    private const int HeaderSize = 12;
    private const int FuA = 28;
    private ushort _sequence = firstSequence;

    /// <summary>The packets of <paramref name="accessUnit"/> (Annex B) at RTP time <paramref name="timestamp"/>.</summary>
    public List<byte[]> Packetize(ReadOnlyMemory<byte> accessUnit, uint timestamp)
    {
        var units = AnnexB.Units(accessUnit);
        var packets = new List<byte[]>();
        for (var n = 0; n < units.Count; n++)
        {
            var nal = units[n].Span;
            var lastUnit = n == units.Count - 1;
            if (nal.Length <= MaxPayload)
            {
                var packet = Header(lastUnit, timestamp, nal.Length);
                nal.CopyTo(packet.AsSpan(HeaderSize));
                packets.Add(packet);
                continue;
            }
            // FU-A: the NAL header's F and NRI bits with type 28, then start/end bits with the unit's type.
            var indicator = (byte)((nal[0] & 0xE0) | FuA);
            var type = (byte)(nal[0] & 0x1F);
            var body = nal[1..];
            for (var at = 0; at < body.Length; at += MaxPayload - 2)
            {
                var size = Math.Min(MaxPayload - 2, body.Length - at);
                var first = at == 0;
                var end = at + size == body.Length;
                var packet = Header(lastUnit && end, timestamp, 2 + size);
                packet[HeaderSize] = indicator;
                packet[HeaderSize + 1] = (byte)((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
                body.Slice(at, size).CopyTo(packet.AsSpan(HeaderSize + 2));
                packets.Add(packet);
            }
        }
        return packets;
    }

    private byte[] Header(bool marker, uint timestamp, int payloadLength)
    {
        var packet = new byte[HeaderSize + payloadLength];
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), _sequence++);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        return packet;
    }
}
