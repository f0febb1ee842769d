using System.Buffers.Binary;

namespace Vigil.Agent.Media;

/// <summary>
/// AAC in RFC 3640 (mpeg4-generic): a 16-bit AU-headers-length in bits, then one AU header per
/// access unit (size and index, as wide as the fmtp says), then the access units back to back.
/// </summary>
internal sealed class AacDepacketizer(SdpTrack format, int track, IFrameSink sink) : Depacketizer(track, sink)
{
    /// <summary>Samples per AAC frame (AAC-LC, and the core of HE-AAC, RFC 3640 section 3.2.3.1).</summary>
    public const int SamplesPerFrame = 1024;

    private readonly int _sizeLength = format.SizeLength;
    private readonly int _indexLength = format.IndexLength;
    private readonly int _indexDeltaLength = format.IndexDeltaLength;

    public override void Push(in RtpPacket packet)
    {
        var p = packet.Payload;
        if (_sizeLength == 0)
        {
            // No AU headers: the payload is one access unit.
            if (p.Length > 0)
            {
                Sink.OnFrame(Track, packet.Timestamp, true, default, p);
            }
            return;
        }
        if (p.Length < 2)
        {
            Drop("an AAC packet without its AU headers");
            return;
        }
        var headerBits = BinaryPrimitives.ReadUInt16BigEndian(p);
        var data = 2 + (headerBits + 7) / 8;
        if (data > p.Length)
        {
            Drop("AAC AU headers longer than the packet");
            return;
        }
        var bit = 0;
        var timestamp = packet.Timestamp;
        for (var i = 0; bit + _sizeLength <= headerBits; i++)
        {
            var size = (int)ReadBits(p[2..data], ref bit, _sizeLength);
            ReadBits(p[2..data], ref bit, i == 0 ? _indexLength : _indexDeltaLength);
            if (size == 0 || data + size > p.Length)
            {
                // An access unit split over packets: rare for audio and not worth the buffering.
                Drop("an AAC frame larger than its packet");
                return;
            }
            Sink.OnFrame(Track, timestamp, true, default, p.Slice(data, size));
            data += size;
            timestamp += SamplesPerFrame;
        }
    }

    private void Drop(string why)
    {
        CountDrop();
        Warn($"{why}: dropped");
    }

    private static uint ReadBits(ReadOnlySpan<byte> bytes, ref int bit, int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++, bit++)
        {
            var b = bit >> 3 < bytes.Length ? bytes[bit >> 3] : 0;
            value = value << 1 | (uint)(b >> (7 - (bit & 7)) & 1);
        }
        return value;
    }
}
