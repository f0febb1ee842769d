using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tests;

/// <summary>Handshakes that must fail do so with <see cref="NoiseException"/> and stay failed.</summary>
[TestFixture]
public sealed class HandshakeFailureTests
{
    private static readonly INoiseAeadFactory s_aead = ManagedChaChaPolyFactory.Instance;

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(40)]
    [TestCase(95)]
    [TestCase(-1)]
    public void TamperedFirstMessageIsRejectedAndTheStateIsUnusable(int position)
    {
        using KeyPair initiatorStatic = KeyPair.Generate();
        using KeyPair responderStatic = KeyPair.Generate();
        using var initiator = new HandshakeState(HandshakePattern.IK, true, [], initiatorStatic, null, responderStatic.PublicKey, s_aead);
        using var responder = new HandshakeState(HandshakePattern.IK, false, [], responderStatic, null, [], s_aead);

        byte[] message = new byte[1024];
        int length = initiator.WriteMessage("payload"u8, message);
        message[position < 0 ? length + position : position] ^= 0x80;

        byte[] payload = new byte[1024];
        Assert.Throws<NoiseException>(() => responder.ReadMessage(message.AsSpan(0, length), payload));
        Assert.That(responder.IsMyTurnToWrite, Is.False);
        Assert.Throws<NoiseException>(() => responder.WriteMessage([], message));
        Assert.Throws<NoiseException>(() => responder.Split());
    }

    [Test]
    public void TamperedReplyIsRejected()
    {
        using KeyPair initiatorStatic = KeyPair.Generate();
        using KeyPair responderStatic = KeyPair.Generate();
        using var initiator = new HandshakeState(HandshakePattern.XX, true, [], initiatorStatic, null, [], s_aead);
        using var responder = new HandshakeState(HandshakePattern.XX, false, [], responderStatic, null, [], s_aead);

        byte[] message = new byte[1024];
        byte[] payload = new byte[1024];
        int length = initiator.WriteMessage([], message);
        responder.ReadMessage(message.AsSpan(0, length), payload);
        length = responder.WriteMessage("reply"u8, message);
        message[50] ^= 0x01;
        Assert.Throws<NoiseException>(() => initiator.ReadMessage(message.AsSpan(0, length), payload));
        Assert.Throws<NoiseException>(() => initiator.WriteMessage([], message));
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(32)]
    [TestCase(79)]
    public void TruncatedMessageIsRejected(int keep)
    {
        using KeyPair initiatorStatic = KeyPair.Generate();
        using KeyPair responderStatic = KeyPair.Generate();
        using var initiator = new HandshakeState(HandshakePattern.IK, true, [], initiatorStatic, null, responderStatic.PublicKey, s_aead);
        using var responder = new HandshakeState(HandshakePattern.IK, false, [], responderStatic, null, [], s_aead);

        byte[] message = new byte[1024];
        int length = initiator.WriteMessage([], message);
        Assert.That(length, Is.EqualTo(32 + 48 + 16));
        byte[] payload = new byte[1024];
        Assert.Throws<NoiseException>(() => responder.ReadMessage(message.AsSpan(0, keep), payload));
        Assert.Throws<NoiseException>(() => responder.ReadMessage(message.AsSpan(0, length), payload));
    }

    [Test]
    public void TruncatedTransportMessageIsRejectedWithoutAdvancingTheNonce()
    {
        var (initSend, respReceive) = CompleteNn();
        using (initSend)
        using (respReceive)
        {
            byte[] message = new byte[64];
            byte[] payload = new byte[64];
            int length = initSend.EncryptWithAd([], "data"u8, message);
            Assert.Throws<NoiseException>(() => respReceive.DecryptWithAd([], message.AsSpan(0, 15), payload));
            Assert.Throws<NoiseException>(() => respReceive.DecryptWithAd([], message.AsSpan(0, length - 1), payload));
            Assert.That(respReceive.Nonce, Is.Zero);
            Assert.That(respReceive.DecryptWithAd([], message.AsSpan(0, length), payload), Is.EqualTo(4));
            Assert.That(respReceive.Nonce, Is.EqualTo(1));
        }
    }

    [Test]
    public void IkInitiatorPinningTheWrongResponderKeyFails()
    {
        using KeyPair initiatorStatic = KeyPair.Generate();
        using KeyPair realResponder = KeyPair.Generate();
        using KeyPair pinnedKey = KeyPair.Generate();
        using var initiator = new HandshakeState(HandshakePattern.IK, true, [], initiatorStatic, null, pinnedKey.PublicKey, s_aead);
        using var responder = new HandshakeState(HandshakePattern.IK, false, [], realResponder, null, [], s_aead);

        byte[] message = new byte[1024];
        byte[] payload = new byte[1024];
        int length = initiator.WriteMessage("secret"u8, message);

        // The first message is sealed to the pinned key, so the real responder cannot open it...
        Assert.Throws<NoiseException>(() => responder.ReadMessage(message.AsSpan(0, length), payload));

        // ...and no reply it could make without the pinned private key passes the initiator.
        using var impostor = new HandshakeState(HandshakePattern.IK, false, [], realResponder, null, [], s_aead);
        using var honestInitiator = new HandshakeState(HandshakePattern.IK, true, [], initiatorStatic, null, realResponder.PublicKey, s_aead);
        length = honestInitiator.WriteMessage([], message);
        impostor.ReadMessage(message.AsSpan(0, length), payload);
        length = impostor.WriteMessage("reply"u8, message);
        Assert.Throws<NoiseException>(() => initiator.ReadMessage(message.AsSpan(0, length), payload));
    }

    [Test]
    public void LowOrderEphemeralIsRejected()
    {
        using KeyPair responderStatic = KeyPair.Generate();
        using var responder = new HandshakeState(HandshakePattern.NK, false, [], responderStatic, null, [], s_aead);
        byte[] message = new byte[48]; // all-zero "e" followed by a (meaningless) tag
        Assert.Throws<NoiseException>(() => responder.ReadMessage(message, new byte[16]));
    }

    [Test]
    public void OversizedMessagesAreRejected()
    {
        using var initiator = new HandshakeState(HandshakePattern.NN, true, [], null, null, [], s_aead);
        byte[] big = new byte[70000];
        Assert.Throws<NoiseException>(() => initiator.WriteMessage(big.AsSpan(0, 65535 - 31), big));

        using var responder = new HandshakeState(HandshakePattern.NN, false, [], null, null, [], s_aead);
        Assert.Throws<NoiseException>(() => responder.ReadMessage(big.AsSpan(0, 65536), big));
    }

    [Test]
    public void OutOfTurnCallsAreRejected()
    {
        using var initiator = new HandshakeState(HandshakePattern.NN, true, [], null, null, [], s_aead);
        byte[] buffer = new byte[256];
        Assert.Throws<InvalidOperationException>(() => initiator.ReadMessage(buffer.AsSpan(0, 48), buffer));
        Assert.Throws<InvalidOperationException>(() => initiator.Split());
    }

    [Test]
    public void MissingKeysAreReportedUpFront()
    {
        Assert.Throws<ArgumentException>(() => _ = new HandshakeState(HandshakePattern.IK, true, [], null, null, new byte[32], s_aead));
        using KeyPair s = KeyPair.Generate();
        Assert.Throws<ArgumentException>(() => _ = new HandshakeState(HandshakePattern.IK, true, [], s, null, [], s_aead));
        Assert.Throws<ArgumentException>(() => _ = new HandshakeState(HandshakePattern.Parse("NNpsk0"), true, [], null, null, [], s_aead));
    }

    private static (CipherState InitiatorSend, CipherState ResponderReceive) CompleteNn()
    {
        using var initiator = new HandshakeState(HandshakePattern.NN, true, [], null, null, [], s_aead);
        using var responder = new HandshakeState(HandshakePattern.NN, false, [], null, null, [], s_aead);
        byte[] message = new byte[256];
        byte[] payload = new byte[256];
        int length = initiator.WriteMessage([], message);
        responder.ReadMessage(message.AsSpan(0, length), payload);
        length = responder.WriteMessage([], message);
        initiator.ReadMessage(message.AsSpan(0, length), payload);
        (CipherState initSend, CipherState initReceive) = initiator.Split();
        (CipherState respSend, CipherState respReceive) = responder.Split();
        initReceive.Dispose();
        respSend.Dispose();
        return (initSend, respReceive);
    }
}
