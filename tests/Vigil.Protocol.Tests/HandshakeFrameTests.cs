using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tests;

/// <summary>
/// The handshake's one reader/writer pair: what the writer frames the reader takes back whole, and
/// truncated, oversize and malformed first flights are refused with their reason before anything
/// more is awaited or buffered.
/// </summary>
[TestFixture]
public sealed class HandshakeFrameTests
{
    /// <summary>Both ends of a fresh handshake, disposed together.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly KeyPair _agent = KeyPair.Generate();
        private readonly KeyPair _relay = KeyPair.Generate();

        public Pair()
        {
            LinkPreamble.Write(Preamble);
            Initiator = LinkHandshake.CreateInitiator(_agent, _relay.PublicKey, Preamble, ManagedChaChaPolyFactory.Instance);
            Responder = LinkHandshake.CreateResponder(_relay, Preamble, ManagedChaChaPolyFactory.Instance);
        }

        public byte[] Preamble { get; } = new byte[LinkPreamble.Length];
        public HandshakeState Initiator { get; }
        public HandshakeState Responder { get; }

        public void Dispose()
        {
            Initiator.Dispose();
            Responder.Dispose();
            _agent.Dispose();
            _relay.Dispose();
        }
    }

    private static byte[] Initiation(int length, byte version = LinkPreamble.CurrentVersion)
    {
        var bytes = new byte[LinkPreamble.Length + LinkFraming.HeaderLength + Math.Min(length, 2000)];
        LinkPreamble.Write(bytes, version);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(LinkPreamble.Length), (ushort)length);
        return bytes;
    }

    [Test]
    public void WhatTheWriterFramesTheReaderTakesBackAndTheHandshakeCompletes()
    {
        using var pair = new Pair();
        var (initiator, responder, preamble) = (pair.Initiator, pair.Responder, pair.Preamble);
        var first = new byte[HandshakeFrame.MaxInitiationLength];
        var n = HandshakeFrame.WriteInitiation(initiator, preamble, first);
        Assert.That(first.AsSpan(0, LinkPreamble.Length).ToArray(), Is.EqualTo(preamble), "the preamble goes first, in clear");
        Assert.That(LinkFraming.ReadHeader(first.AsSpan(LinkPreamble.Length)), Is.EqualTo(n - LinkPreamble.Length - LinkFraming.HeaderLength));

        // With a byte of the next frame behind it: the reader takes exactly the first flight.
        var buffer = new ReadOnlySequence<byte>([.. first.AsSpan(0, n), 0x55]);
        var readPreamble = new byte[LinkPreamble.Length];
        Assert.That(HandshakeFrame.TryReadInitiation(ref buffer, readPreamble, out var message), Is.True);
        Assert.That(readPreamble, Is.EqualTo(preamble));
        Assert.That(buffer.ToArray(), Is.EqualTo(new byte[] { 0x55 }), "what follows the flight stays in the buffer");
        responder.ReadMessage(message.ToArray(), new byte[HandshakeFrame.MaxMessageLength]);

        var reply = new byte[HandshakeFrame.MaxFrameLength];
        var m = HandshakeFrame.WriteMessage(responder, reply);
        var replyBuffer = new ReadOnlySequence<byte>(reply, 0, m);
        Assert.That(HandshakeFrame.TryReadMessage(ref replyBuffer, out var replyMessage), Is.True);
        Assert.That(replyBuffer.Length, Is.Zero);
        initiator.ReadMessage(replyMessage.ToArray(), new byte[HandshakeFrame.MaxMessageLength]);
        Assert.That(initiator.IsHandshakeComplete && responder.IsHandshakeComplete, Is.True);
    }

    [Test]
    public void EveryPrefixOfAFirstFlightWaitsForMore()
    {
        using var pair = new Pair();
        var first = new byte[HandshakeFrame.MaxInitiationLength];
        var n = HandshakeFrame.WriteInitiation(pair.Initiator, pair.Preamble, first);
        for (var cut = 0; cut < n; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(first, 0, cut);
            Assert.That(HandshakeFrame.TryReadInitiation(ref buffer, new byte[LinkPreamble.Length], out _), Is.False, $"{cut} bytes");
            Assert.That(buffer.Length, Is.EqualTo(cut), "nothing is consumed while waiting");
        }
    }

    [TestCase(0, "closed_before_handshake")]
    [TestCase(5, "truncated_handshake")]
    [TestCase(40, "truncated_handshake")]
    public void AConnectionThatEndsInsideTheFlightIsRefusedAsTruncated(int received, string reason)
    {
        var e = HandshakeFrame.Truncated(received);
        Assert.That(e.Reason, Is.EqualTo(reason));
        Assert.That(e.Message, Does.Contain(reason));
    }

    [Test]
    public void AnOversizeLengthIsRefusedFromItsHeaderAlone()
    {
        // Only the preamble and the header have come: the cap is enforced before the body is awaited.
        var header = Initiation(HandshakeFrame.MaxMessageLength + 1).AsSpan(0, LinkPreamble.Length + LinkFraming.HeaderLength).ToArray();
        var buffer = new ReadOnlySequence<byte>(header);
        var e = Assert.Throws<LinkProtocolException>(() => HandshakeFrame.TryReadInitiation(ref buffer, new byte[LinkPreamble.Length], out _));
        Assert.That(e!.Reason, Is.EqualTo("frame_too_large"));
        Assert.That(e.Message, Does.Contain($"{HandshakeFrame.MaxMessageLength + 1} bytes"));

        var reply = new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF });
        Assert.That(Assert.Throws<LinkProtocolException>(() => HandshakeFrame.TryReadMessage(ref reply, out _))!.Reason, Is.EqualTo("frame_too_large"));
    }

    [Test]
    public void TheLargestMessageIsTaken()
    {
        var bytes = Initiation(HandshakeFrame.MaxMessageLength);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.That(HandshakeFrame.TryReadInitiation(ref buffer, new byte[LinkPreamble.Length], out var message), Is.True);
        Assert.That(message.Length, Is.EqualTo(HandshakeFrame.MaxMessageLength));
    }

    [Test]
    public void GarbageIsRefusedAtItsEighthByte()
    {
        var buffer = new ReadOnlySequence<byte>("GET / HT"u8.ToArray());
        Assert.That(Assert.Throws<LinkProtocolException>(() => HandshakeFrame.TryReadInitiation(ref buffer, new byte[LinkPreamble.Length], out _))!.Reason,
            Is.EqualTo("bad_preamble"));
    }

    [Test]
    public void AnotherVersionIsRefused()
    {
        var buffer = new ReadOnlySequence<byte>(Initiation(96, version: 9));
        Assert.That(Assert.Throws<LinkProtocolException>(() => HandshakeFrame.TryReadInitiation(ref buffer, new byte[LinkPreamble.Length], out _))!.Reason,
            Is.EqualTo("unsupported_version"));
    }

    [Test]
    public void TheBlockingReaderChecksTheLengthBeforeReadingTheBody()
    {
        var source = new MemoryStream([0x04, 0x01, 1, 2, 3]);
        var reads = 0;
        var e = Assert.Throws<LinkProtocolException>(() => HandshakeFrame.ReadMessage(span =>
        {
            reads++;
            source.ReadExactly(span);
        }, new byte[HandshakeFrame.MaxFrameLength]));
        Assert.That(e!.Reason, Is.EqualTo("frame_too_large"));
        Assert.That(reads, Is.EqualTo(1), "only the header was read");

        source = new MemoryStream([0x00, 0x03, 7, 8, 9]);
        var buffer = new byte[HandshakeFrame.MaxFrameLength];
        Assert.That(HandshakeFrame.ReadMessage(span => source.ReadExactly(span), buffer), Is.EqualTo(3));
        Assert.That(buffer[..3], Is.EqualTo(new byte[] { 7, 8, 9 }));

        source = new MemoryStream([0x00, 0x03, 7]);
        Assert.Throws<EndOfStreamException>(() => HandshakeFrame.ReadMessage(span => source.ReadExactly(span), new byte[HandshakeFrame.MaxFrameLength]));
    }

    [Test]
    public async Task TheSocketReaderRefusesOversizeAndTruncatedFrames()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        async Task<Exception?> Send(byte[] bytes)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndpoint);
            using var server = await listener.AcceptSocketAsync();
            await client.SendAsync(bytes);
            client.Shutdown(SocketShutdown.Send);
            try
            {
                await HandshakeFrame.ReadMessageAsync(server);
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
        Assert.That(await Send([0xFF, 0xFF]), Is.TypeOf<LinkProtocolException>().With.Property("Reason").EqualTo("frame_too_large"));
        Assert.That(await Send([0x00, 0x10, 1, 2]), Is.TypeOf<EndOfStreamException>());
        Assert.That(await Send([0x00, 0x02, 1, 2]), Is.Null);

        var stream = new MemoryStream([0x04, 0x01]);
        Assert.That(Assert.ThrowsAsync<LinkProtocolException>(async () => await HandshakeFrame.ReadMessageAsync(stream))!.Reason, Is.EqualTo("frame_too_large"));
    }
}
