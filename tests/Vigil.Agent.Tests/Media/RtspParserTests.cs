using System.Text;
using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>The RTSP reader over bytes: responses, interleaved frames, and what hostile peers send.</summary>
[TestFixture]
public sealed class RtspParserTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    [Test]
    public void AResponseWithABodyIsReadWhole()
    {
        var text = "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://h/s/\r\nContent-Length: 5\r\n\r\nv=0\r\n$\x00\x00\x01X";
        var bytes = Encoding.Latin1.GetBytes(text);
        var item = RtspParser.Read(bytes, out var consumed, out _, out var message);
        Assert.That(item, Is.EqualTo(RtspItem.Message));
        Assert.That(message!.StatusCode, Is.EqualTo(200));
        Assert.That(message.CSeq, Is.EqualTo(2));
        Assert.That(message.Header("content-base"), Is.EqualTo("rtsp://h/s/"));
        Assert.That(Encoding.ASCII.GetString(message.Body), Is.EqualTo("v=0\r\n"));
        var next = RtspParser.Read(bytes.AsSpan(consumed), out var frameLength, out var channel, out _);
        Assert.That((next, channel, frameLength), Is.EqualTo((RtspItem.Interleaved, 0, 5)));
    }

    [Test]
    public void EveryPrefixOfAnItemAsksForMore()
    {
        var bytes = Ascii("RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\nWWW-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n");
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.That(RtspParser.Read(bytes.AsSpan(0, n), out _, out _, out _), Is.EqualTo(RtspItem.NeedMore), $"{n} bytes");
        }
        Assert.That(RtspParser.Read(bytes, out _, out _, out var message), Is.EqualTo(RtspItem.Message));
        Assert.That(message!.Headers("WWW-Authenticate"), Has.Count.EqualTo(2));
        byte[] frame = [(byte)'$', 1, 0, 3, 0x80, 1, 2];
        for (var n = 0; n < frame.Length - 1; n++)
        {
            Assert.That(RtspParser.Read(frame.AsSpan(0, n), out _, out _, out _), Is.EqualTo(RtspItem.NeedMore));
        }
    }

    [Test]
    public void BareLineFeedsAreAccepted()
    {
        var bytes = Ascii("RTSP/1.0 200 OK\nCSeq: 9\nSession: abc;timeout=30\n\n");
        Assert.That(RtspParser.Read(bytes, out var consumed, out _, out var message), Is.EqualTo(RtspItem.Message));
        Assert.That(consumed, Is.EqualTo(bytes.Length));
        Assert.That(message!.Header("Session"), Is.EqualTo("abc;timeout=30"));
    }

    [Test]
    public void ARequestFromTheServerIsAMessageWithoutAStatus()
    {
        Assert.That(RtspParser.Read(Ascii("GET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 7\r\n\r\n"), out _, out _, out var message), Is.EqualTo(RtspItem.Message));
        Assert.That((message!.StatusCode, message.Reason, message.CSeq), Is.EqualTo((0, "GET_PARAMETER", 7)));
    }

    [Test]
    public void GarbageIsSkippedUpToWhatCouldStartAnItem()
    {
        var bytes = Ascii("\x01\x02xyz$");
        Assert.That(RtspParser.Read(bytes, out var consumed, out _, out _), Is.EqualTo(RtspItem.Garbage));
        Assert.That(consumed, Is.EqualTo(5));
        Assert.That(RtspParser.Read(Ascii("HELLO WORLD\r\n\r\n"), out _, out _, out _), Is.EqualTo(RtspItem.Garbage), "not a request line");
        Assert.That(RtspParser.Read(Ascii("RTSP/1.0 2x0 OK\r\n\r\n"), out _, out _, out _), Is.EqualTo(RtspItem.Garbage));
    }

    [Test]
    public void LengthsOffTheWireAreCapped()
    {
        var hugeBody = Ascii($"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: {RtspParser.MaxBodyBytes + 1}\r\n\r\n");
        Assert.That(RtspParser.Read(hugeBody, out _, out _, out _), Is.EqualTo(RtspItem.Garbage));
        var negative = Ascii("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n");
        Assert.That(RtspParser.Read(negative, out _, out _, out _), Is.EqualTo(RtspItem.Garbage));
        var endlessHead = Ascii("RTSP/1.0 200 OK\r\n" + new string('X', RtspParser.MaxHeadBytes));
        Assert.That(RtspParser.Read(endlessHead, out var consumed, out _, out _), Is.EqualTo(RtspItem.Garbage));
        Assert.That(consumed, Is.GreaterThan(0));
    }

    [Test]
    public void RandomBytesNeverThrowAndAlwaysMoveOn()
    {
        var random = new Random(1234);
        var buffer = new byte[4096];
        for (var round = 0; round < 2000; round++)
        {
            random.NextBytes(buffer);
            var length = random.Next(1, buffer.Length);
            if (random.Next(4) == 0)
            {
                Ascii("RTSP/1.0 ").CopyTo(buffer, 0);
            }
            var span = buffer.AsSpan(0, length);
            while (span.Length > 0)
            {
                var item = RtspParser.Read(span, out var consumed, out _, out _);
                if (item == RtspItem.NeedMore)
                {
                    break;
                }
                Assert.That(consumed, Is.InRange(1, span.Length));
                span = span[consumed..];
            }
        }
    }
}
