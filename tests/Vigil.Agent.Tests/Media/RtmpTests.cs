using System.Buffers.Binary;
using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>RTMP chunking (Adobe RTMP specification section 5.3) and AMF0, without a socket.</summary>
[TestFixture]
public sealed class RtmpTests
{
    private static (RtmpChunkWriter Writer, List<byte> Wire) Writer(int chunkSize)
    {
        var wire = new List<byte>();
        var writer = new RtmpChunkWriter((buffer, length) => wire.AddRange(buffer.AsSpan(0, length).ToArray())) { ChunkSize = chunkSize };
        return (writer, wire);
    }

    [Test]
    public void AMessageIsCutIntoChunksWithType3Continuations()
    {
        var (writer, wire) = Writer(128);
        var body = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        writer.Message(6, 9, 1, 40, [0x17, 1, 0, 0, 0], body);
        writer.Flush();
        // Type 0 header: csid 6, timestamp 40, length 305, type 9, stream 1 (little-endian).
        Assert.That(wire.Take(12), Is.EqualTo(new byte[] { 6, 0, 0, 40, 0, 1, 0x31, 9, 1, 0, 0, 0 }));
        Assert.That(wire[12 + 128], Is.EqualTo(0xC6), "a type 3 header after 128 bytes");
        Assert.That(wire[12 + 128 + 1 + 128], Is.EqualTo(0xC6));
        Assert.That(wire, Has.Count.EqualTo(12 + 305 + 2));
    }

    [Test]
    public void LargeTimestampsUseTheExtendedFieldInEveryChunk()
    {
        var (writer, wire) = Writer(100);
        const uint ms = 0x12345678; // about 3.5 days of stream
        writer.Message(4, 8, 1, ms, [0xAF, 1], new byte[150]);
        writer.Flush();
        Assert.That(wire.Skip(1).Take(3), Is.EqualTo(new byte[] { 0xFF, 0xFF, 0xFF }));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(wire.Skip(12).Take(4).ToArray()), Is.EqualTo(ms));
        var continuation = 16 + 100;
        Assert.That(wire[continuation], Is.EqualTo(0xC4));
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(wire.Skip(continuation + 1).Take(4).ToArray()), Is.EqualTo(ms));
    }

    [Test]
    public void TheReaderPutsBackWhatTheWriterCut()
    {
        var (writer, wire) = Writer(64);
        var a = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        var b = new byte[] { 1, 2, 3 };
        writer.Message(3, 20, 0, 0, a, default);
        writer.Message(5, 4, 0, 0x1000000, b, default);
        writer.Message(3, 20, 0, 0, a[..10], default);
        writer.Flush();
        var reader = new RtmpChunkReader { ChunkSize = 64 };
        var got = new List<(byte Type, byte[] Payload)>();
        var bytes = wire.ToArray();
        // Fed in small pieces, as a socket gives them.
        var pending = new List<byte>();
        foreach (var piece in bytes.Chunk(7))
        {
            pending.AddRange(piece);
            var used = reader.Read(pending.ToArray(), (type, _, payload) => got.Add((type, payload.ToArray())));
            pending.RemoveRange(0, used);
        }
        Assert.That(pending, Is.Empty);
        Assert.That(got.Select(g => g.Type), Is.EqualTo(new byte[] { 20, 4, 20 }));
        Assert.That(got[0].Payload, Is.EqualTo(a));
        Assert.That(got[1].Payload, Is.EqualTo(b));
        Assert.That(got[2].Payload, Is.EqualTo(a[..10]));
    }

    [Test]
    public void TheReaderRefusesWhatAPublisherNeverExpects()
    {
        var reader = new RtmpChunkReader();
        byte[] huge = [3, 0, 0, 0, 0x10, 0, 0, 20, 0, 0, 0, 0];
        Assert.Throws<MediaException>(() => reader.Read(huge, (_, _, _) => { }));
        byte[] unknownStream = [0xC7, 1, 2, 3];
        Assert.Throws<MediaException>(() => new RtmpChunkReader().Read(unknownStream, (_, _, _) => { }));
    }

    [Test]
    public void RandomBytesEitherParseOrFailCleanly()
    {
        var random = new Random(5);
        for (var round = 0; round < 5000; round++)
        {
            var bytes = new byte[random.Next(1, 600)];
            random.NextBytes(bytes);
            var reader = new RtmpChunkReader { ChunkSize = random.Next(1, 300) };
            try
            {
                var used = reader.Read(bytes, (_, _, _) => { });
                Assert.That(used, Is.InRange(0, bytes.Length));
            }
            catch (MediaException)
            {
            }
        }
    }

    [Test]
    public void Amf0CommandsRoundTrip()
    {
        var w = new Amf0Writer().String("onStatus").Number(0).Null().BeginObject()
            .Key("level").String("status")
            .Key("code").String("NetStream.Publish.Start")
            .Key("nested").BeginObject().Key("x").Number(1).EndObject()
            .Key("description").String("Start publishing")
            .EndObject();
        var r = new Amf0Reader(w.Written);
        Assert.That(r.TryString(out var name) && name == "onStatus", Is.True);
        Assert.That(r.TryNumber(out var transaction) && transaction == 0, Is.True);
        Assert.That(r.Skip(), Is.True);
        Assert.That(r.TryObject("code", "description", out var code, out var description), Is.True);
        Assert.That((code, description), Is.EqualTo(("NetStream.Publish.Start", "Start publishing")));
    }

    [Test]
    public void TruncatedAmf0IsRefused()
    {
        var bytes = new Amf0Writer().String("_result").Number(4).Null().Number(1).Written.ToArray();
        for (var n = 0; n < bytes.Length; n++)
        {
            var r = new Amf0Reader(bytes.AsSpan(0, n));
            var complete = r.TryString(out _) && r.TryNumber(out _) && r.Skip() && r.TryNumber(out _);
            Assert.That(complete, Is.False, $"{n} bytes");
        }
    }
}
