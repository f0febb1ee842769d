using System.Buffers.Binary;

namespace Vigil.Agent.Media;

/// <summary>
/// Splits RTMP messages into chunks (Adobe RTMP specification, section 5.3): a type 0 header, then
/// type 3 continuations, the extended timestamp repeated in each when the timestamp needs it (as
/// FFmpeg, nginx-rtmp and Wowza read it). Written into a fixed buffer that goes out whenever it fills.
/// </summary>
internal sealed class RtmpChunkWriter(Action<byte[], int> send)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _length;

    /// <summary>The largest chunk body; set it after sending Set Chunk Size.</summary>
    public int ChunkSize { get; set; } = 128;

    /// <summary>
    /// One message, its payload being <paramref name="head"/> then <paramref name="body"/> (a tag header
    /// and the frame, without joining them first).
    /// </summary>
    public void Message(int csid, byte type, uint streamId, uint timestamp, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        var extended = timestamp >= 0xFFFFFF;
        var length = head.Length + body.Length;
        var h = Reserve(12 + 4);
        var at = 0;
        h[at++] = (byte)csid; // type 0, chunk stream ids 2 to 63 fit the 1-byte basic header
        Write24(h[at..], extended ? 0xFFFFFF : timestamp);
        Write24(h[(at + 3)..], (uint)length);
        h[at + 6] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(h[(at + 7)..], streamId);
        at += 11;
        if (extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h[at..], timestamp);
            at += 4;
        }
        _length -= 16 - at;
        var inChunk = 0;
        for (var part = 0; part < 2; part++)
        {
            var data = part == 0 ? head : body;
            while (data.Length > 0)
            {
                if (inChunk == ChunkSize)
                {
                    var c = Reserve(extended ? 5 : 1);
                    c[0] = (byte)(0xC0 | csid);
                    if (extended)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(c[1..], timestamp);
                    }
                    inChunk = 0;
                }
                var n = Math.Min(Math.Min(data.Length, ChunkSize - inChunk), _buffer.Length - _length);
                if (n == 0)
                {
                    Flush();
                    continue;
                }
                data[..n].CopyTo(_buffer.AsSpan(_length));
                _length += n;
                inChunk += n;
                data = data[n..];
            }
        }
    }

    /// <summary>Sends what is buffered.</summary>
    public void Flush()
    {
        if (_length > 0)
        {
            send(_buffer, _length);
            _length = 0;
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Flush();
        }
        var s = _buffer.AsSpan(_length, count);
        _length += count;
        return s;
    }

    private static void Write24(Span<byte> s, uint value)
    {
        s[0] = (byte)(value >> 16);
        s[1] = (byte)(value >> 8);
        s[2] = (byte)value;
    }
}

/// <summary>A whole RTMP message the peer sent.</summary>
internal delegate void RtmpMessageHandler(byte type, uint streamId, ReadOnlySpan<byte> payload);

/// <summary>
/// Reassembles the streamer's chunks into messages. The streamer sends the publisher only control
/// and command messages, so a message is capped far below what media would need.
/// </summary>
internal sealed class RtmpChunkReader
{
    public const int MaxMessageBytes = 64 * 1024;
    private const int MaxChunkStreams = 320;

    private readonly Stream?[] _streams = new Stream?[MaxChunkStreams];

    /// <summary>The peer's chunk size (its Set Chunk Size), 128 until it says otherwise.</summary>
    public int ChunkSize { get; set; } = 128;

    /// <summary>
    /// Reads every whole chunk in <paramref name="data"/>, calling <paramref name="handler"/> for each
    /// message they complete; returns the bytes used (a partial chunk stays for the next call).
    /// Throws <see cref="MediaException"/> on what breaks the protocol.
    /// </summary>
    public int Read(ReadOnlySpan<byte> data, RtmpMessageHandler handler)
    {
        var pos = 0;
        while (pos < data.Length)
        {
            var start = pos;
            var fmt = data[pos] >> 6;
            var csid = data[pos] & 0x3F;
            var basic = csid switch { 0 => 2, 1 => 3, _ => 1 };
            var headerLength = fmt switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
            if (data.Length - pos < basic + headerLength)
            {
                return start;
            }
            if (csid == 0)
            {
                csid = 64 + data[pos + 1];
            }
            else if (csid == 1)
            {
                csid = 64 + data[pos + 1] + 256 * data[pos + 2];
            }
            if (csid >= MaxChunkStreams)
            {
                throw new MediaException($"the streamer used chunk stream {csid}");
            }
            pos += basic;
            var s = _streams[csid];
            if (s is null)
            {
                if (fmt != 0)
                {
                    throw new MediaException($"the streamer continued chunk stream {csid} that it never started");
                }
                s = _streams[csid] = new Stream();
            }
            var h = data.Slice(pos, headerLength);
            uint time = 0;
            if (fmt <= 2)
            {
                time = (uint)(h[0] << 16 | h[1] << 8 | h[2]);
                s.Extended = time == 0xFFFFFF;
            }
            if (fmt <= 1)
            {
                var length = h[3] << 16 | h[4] << 8 | h[5];
                if (length > MaxMessageBytes)
                {
                    throw new MediaException($"the streamer sent a {length}-byte message; a publisher expects commands only");
                }
                s.Length = length;
                s.Type = h[6];
            }
            if (fmt == 0)
            {
                s.StreamId = BinaryPrimitives.ReadUInt32LittleEndian(h[7..]);
            }
            pos += headerLength;
            if (s.Extended)
            {
                if (data.Length - pos < 4)
                {
                    return start;
                }
                time = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
                pos += 4;
            }
            var n = Math.Min(ChunkSize, s.Length - s.Received);
            if (data.Length - pos < n)
            {
                return start;
            }
            if (s.Received == 0)
            {
                // A new message: type 0 carries the absolute timestamp, the others a delta.
                s.Timestamp = fmt == 0 ? time : s.Timestamp + (fmt == 3 ? s.Delta : time);
                if (fmt is 1 or 2)
                {
                    s.Delta = time;
                }
                if (s.Payload.Length < s.Length)
                {
                    s.Payload = new byte[s.Length];
                }
            }
            data.Slice(pos, n).CopyTo(s.Payload.AsSpan(s.Received));
            s.Received += n;
            pos += n;
            if (s.Received == s.Length)
            {
                s.Received = 0;
                handler((byte)s.Type, s.StreamId, s.Payload.AsSpan(0, s.Length));
            }
        }
        return pos;
    }

    private sealed class Stream
    {
        public int Length;
        public int Type;
        public uint StreamId;
        public uint Timestamp;
        public uint Delta;
        public bool Extended;
        public int Received;
        public byte[] Payload = [];
    }
}
