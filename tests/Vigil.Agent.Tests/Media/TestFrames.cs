using System.Buffers.Binary;
using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>Collects what a depacketizer delivers, and builds the RTP packets it is fed.</summary>
internal sealed class TestFrames : IFrameSink
{
    public List<(int Track, uint Timestamp, bool Key, byte[] Data)> Frames { get; } = [];
    public int Drops { get; private set; }

    public void OnFrame(int track, uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data) =>
        Frames.Add((track, rtpTimestamp, keyframe, [.. prefix, .. data]));

    public void OnDrop(int track) => Drops++;

    public static byte[] Packet(ushort sequence, uint timestamp, bool marker, ReadOnlySpan<byte> payload, int payloadType = 96)
    {
        var p = new byte[12 + payload.Length];
        p[0] = 0x80;
        p[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), 0x1234);
        payload.CopyTo(p.AsSpan(12));
        return p;
    }

    public static void Push(Depacketizer d, ushort sequence, uint timestamp, bool marker, ReadOnlySpan<byte> payload)
    {
        var bytes = Packet(sequence, timestamp, marker, payload);
        Assert.That(RtpPacket.TryParse(bytes, out var packet), Is.True);
        d.Push(packet);
    }

    /// <summary>The NAL units of a frame (4-byte big-endian lengths).</summary>
    public static List<byte[]> Nals(byte[] frame)
    {
        var list = new List<byte[]>();
        var span = frame.AsSpan();
        while (span.Length > 0)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(span);
            list.Add(span.Slice(4, length).ToArray());
            span = span[(4 + length)..];
        }
        return list;
    }
}
