using System.Buffers.Binary;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Tests;

/// <summary>Every frame shape the mux accepts, and every malformed one refused with its reason.</summary>
[TestFixture]
public sealed class MuxFrameTests
{
    private static byte[] Frame(byte type, uint stream, int bodyLength, byte flags = 0, byte fill = 0x41)
    {
        var f = new byte[MuxFrame.HeaderLength + bodyLength];
        f[0] = type;
        f[1] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(2), stream);
        f.AsSpan(MuxFrame.HeaderLength).Fill(fill);
        return f;
    }

    private static byte[] Window(uint stream, uint increment)
    {
        var f = Frame((byte)MuxFrameType.Window, stream, 4);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(MuxFrame.HeaderLength), increment);
        return f;
    }

    public static IEnumerable<TestCaseData> Valid()
    {
        yield return new TestCaseData(Frame(1, 1, 0)).SetName("Data empty");
        yield return new TestCaseData(Frame(1, 3, 1)).SetName("Data one byte");
        yield return new TestCaseData(Frame(1, 0xFFFFFFFF, MuxFrame.MaxBodyLength)).SetName("Data largest body, highest stream");
        yield return new TestCaseData(Window(2, 1)).SetName("Window 1");
        yield return new TestCaseData(Window(2, uint.MaxValue)).SetName("Window max");
        yield return new TestCaseData(Frame(3, 1, 2)).SetName("Open");
        yield return new TestCaseData(Frame(4, 1, 0)).SetName("OpenOk");
        yield return new TestCaseData(Frame(5, 1, 0)).SetName("Close");
        yield return new TestCaseData(Frame(6, 1, 2)).SetName("Reset without reason");
        yield return new TestCaseData(Frame(6, 1, 258)).SetName("Reset with 256-byte reason");
        yield return new TestCaseData(Frame(7, 0, 8)).SetName("Ping");
        yield return new TestCaseData(Frame(8, 0, 8)).SetName("Pong");
        yield return new TestCaseData(Frame(9, 0, 1)).SetName("Control 1 byte");
        yield return new TestCaseData(Frame(9, 0, MuxFrame.MaxControlLength)).SetName("Control 16384 bytes");
    }

    [TestCaseSource(nameof(Valid))]
    public void ValidShapesParse(byte[] plaintext)
    {
        Assert.That(MuxFrame.TryParse(plaintext, out var frame, out var error), Is.True, error);
        Assert.That(error, Is.Null);
        Assert.That((byte)frame.Type, Is.EqualTo(plaintext[0]));
        Assert.That(frame.StreamId, Is.EqualTo(BinaryPrimitives.ReadUInt32BigEndian(plaintext.AsSpan(2))));
        Assert.That(frame.Body.Length, Is.EqualTo(plaintext.Length - MuxFrame.HeaderLength));
    }

    [Test]
    public void FieldAccessorsReadTheBody()
    {
        Assert.That(MuxFrame.TryParse(Window(7, 0x01020304), out var w, out _), Is.True);
        Assert.That(w.WindowIncrement, Is.EqualTo(0x01020304u));

        var open = Frame((byte)MuxFrameType.Open, 9, 2);
        BinaryPrimitives.WriteUInt16BigEndian(open.AsSpan(MuxFrame.HeaderLength), 554);
        Assert.That(MuxFrame.TryParse(open, out var o, out _), Is.True);
        Assert.That(o.OpenPort, Is.EqualTo(554));
        Assert.That(o.StreamId, Is.EqualTo(9u));

        var reset = Frame((byte)MuxFrameType.Reset, 5, 4);
        "\0\u0004no"u8.CopyTo(reset.AsSpan(MuxFrame.HeaderLength));
        Assert.That(MuxFrame.TryParse(reset, out var r, out _), Is.True);
        Assert.That(r.ResetCode, Is.EqualTo(MuxError.TooManyStreams));
        Assert.That(r.ResetReason.ToArray(), Is.EqualTo("no"u8.ToArray()));
    }

    public static IEnumerable<TestCaseData> Invalid()
    {
        yield return new TestCaseData(Array.Empty<byte>(), "short_frame").SetName("empty");
        yield return new TestCaseData(new byte[] { 1, 0, 0, 0, 1 }, "short_frame").SetName("five bytes");
        for (byte t = 1; t <= 9; t++)
        {
            var stream = t is 7 or 8 or 9 ? 0u : 1u;
            var body = t switch { 2 => 4, 3 => 2, 6 => 2, 7 or 8 => 8, 9 => 1, _ => 0 };
            yield return new TestCaseData(Frame(t, stream, body, flags: 1), "bad_flags").SetName($"type {t} flags 1");
            yield return new TestCaseData(Frame(t, stream, body, flags: 0x80), "bad_flags").SetName($"type {t} flags 0x80");
        }
        yield return new TestCaseData(Frame(0, 1, 0), "unknown_frame_type").SetName("type 0");
        yield return new TestCaseData(Frame(10, 1, 0), "unknown_frame_type").SetName("type 10");
        yield return new TestCaseData(Frame(255, 0, 8), "unknown_frame_type").SetName("type 255");

        yield return new TestCaseData(Frame(1, 0, 4), "data_on_stream_0").SetName("Data on stream 0");
        yield return new TestCaseData(Window(0, 5), "window_on_stream_0").SetName("Window on stream 0");
        yield return new TestCaseData(Window(1, 0), "bad_window").SetName("Window zero");
        yield return new TestCaseData(Frame(2, 1, 3), "bad_window").SetName("Window 3 bytes");
        yield return new TestCaseData(Frame(2, 1, 5), "bad_window").SetName("Window 5 bytes");
        yield return new TestCaseData(Frame(3, 0, 2), "open_stream_0").SetName("Open on stream 0");
        yield return new TestCaseData(Frame(3, 1, 0), "bad_open").SetName("Open no port");
        yield return new TestCaseData(Frame(3, 1, 3), "bad_open").SetName("Open 3 bytes");
        yield return new TestCaseData(Frame(4, 0, 0), "bad_stream").SetName("OpenOk on stream 0");
        yield return new TestCaseData(Frame(4, 1, 1), "bad_body").SetName("OpenOk with body");
        yield return new TestCaseData(Frame(5, 0, 0), "bad_stream").SetName("Close on stream 0");
        yield return new TestCaseData(Frame(5, 1, 1), "bad_body").SetName("Close with body");
        yield return new TestCaseData(Frame(6, 0, 2), "bad_stream").SetName("Reset on stream 0");
        yield return new TestCaseData(Frame(6, 1, 1), "bad_reset").SetName("Reset 1 byte");
        yield return new TestCaseData(Frame(6, 1, 0), "bad_reset").SetName("Reset empty");
        yield return new TestCaseData(Frame(6, 1, 259), "bad_reset").SetName("Reset 257-byte reason");
        yield return new TestCaseData(Frame(7, 1, 8), "ping_off_stream_0").SetName("Ping on stream 1");
        yield return new TestCaseData(Frame(8, 2, 8), "ping_off_stream_0").SetName("Pong on stream 2");
        yield return new TestCaseData(Frame(7, 0, 7), "bad_ping").SetName("Ping 7 bytes");
        yield return new TestCaseData(Frame(8, 0, 9), "bad_ping").SetName("Pong 9 bytes");
        yield return new TestCaseData(Frame(7, 0, 0), "bad_ping").SetName("Ping empty");
        yield return new TestCaseData(Frame(9, 1, 2), "control_off_stream_0").SetName("Control on stream 1");
        yield return new TestCaseData(Frame(9, 0, 0), "bad_control_length").SetName("Control empty");
        yield return new TestCaseData(Frame(9, 0, MuxFrame.MaxControlLength + 1), "bad_control_length").SetName("Control 16385 bytes");
    }

    [TestCaseSource(nameof(Invalid))]
    public void InvalidShapesAreRefusedWithTheirReason(byte[] plaintext, string reason)
    {
        Assert.That(MuxFrame.TryParse(plaintext, out var frame, out var error), Is.False);
        Assert.That(error, Is.EqualTo(reason));
        Assert.That(frame.Body.IsEmpty && frame.StreamId == 0, Is.True, "a refused frame carries nothing");
    }

    [Test]
    public void WriteHeaderRoundTrips()
    {
        var buffer = new byte[MuxFrame.HeaderLength + 2];
        Assert.That(MuxFrame.WriteHeader(buffer, MuxFrameType.Open, 0xA1B2C3D4), Is.EqualTo(MuxFrame.HeaderLength));
        Assert.That(buffer[..6], Is.EqualTo(new byte[] { 3, 0, 0xA1, 0xB2, 0xC3, 0xD4 }));
        Assert.That(MuxFrame.TryParse(buffer, out var f, out _), Is.True);
        Assert.That(f.StreamId, Is.EqualTo(0xA1B2C3D4u));
    }
}
