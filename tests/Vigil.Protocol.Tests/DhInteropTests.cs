using System.Text;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Protocol.Tests;

/// <summary>
/// The agent does X25519 with the managed code and the relay with OpenSSL's; they must agree bit for
/// bit, and both must refuse the low-order keys that would force a known shared secret.
/// </summary>
[TestFixture]
public sealed class DhInteropTests
{
    private static readonly INoiseDh[] s_implementations = [ManagedX25519.Instance, NativeX25519.Instance];

    // RFC 7748 §7: u = 0, 1, the order-8 points, and p - 1, p, p + 1 (which reduce to -1, 0, 1).
    private static readonly string[] s_lowOrder =
    [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];

    [OneTimeSetUp]
    public void RequireOpenSsl() => Assume.That(NativeX25519.IsSupported, "OpenSSL X25519 is unavailable");

    [Test]
    public void NativeMatchesManagedOnRandomKeysBothWays()
    {
        for (int i = 0; i < 50; i++)
        {
            // One key pair from each implementation, so key generation is checked as well.
            using KeyPair a = KeyPair.Generate(ManagedX25519.Instance);
            using KeyPair b = KeyPair.Generate(NativeX25519.Instance);
            Assert.That(X25519.PublicKeyOf(b.PrivateKey), Is.EqualTo(b.PublicKey), "native public key");

            byte[] managedAb = Dh(ManagedX25519.Instance, a.PrivateKey, b.PublicKey);
            byte[] nativeAb = Dh(NativeX25519.Instance, a.PrivateKey, b.PublicKey);
            byte[] managedBa = Dh(ManagedX25519.Instance, b.PrivateKey, a.PublicKey);
            byte[] nativeBa = Dh(NativeX25519.Instance, b.PrivateKey, a.PublicKey);
            Assert.That(nativeAb, Is.EqualTo(managedAb));
            Assert.That(nativeBa, Is.EqualTo(managedBa));
            Assert.That(nativeAb, Is.EqualTo(nativeBa));
        }
    }

    [Test]
    public void NativeMatchesManagedOnUnclampedRandomScalarsAndPoints()
    {
        // Raw random bytes: unclamped private keys and a set top bit in u, both of which X25519 must
        // handle identically (clamp the scalar, mask bit 255 of u).
        for (int i = 0; i < 50; i++)
        {
            byte[] priv = Random(32);
            byte[] pub = X25519.PublicKeyOf(Random(32));
            pub[31] |= (byte)(i % 2 == 0 ? 0x80 : 0);
            Assert.That(Dh(NativeX25519.Instance, priv, pub), Is.EqualTo(Dh(ManagedX25519.Instance, priv, pub)));
        }
    }

    [Test]
    public void PinnedStaticKeyMatchesManagedForItselfAndOtherKeys()
    {
        using KeyPair pinnedKey = KeyPair.Generate();
        NativeX25519 pinned = NativeX25519.ForStaticKey(pinnedKey);
        for (int i = 0; i < 20; i++)
        {
            using KeyPair peer = KeyPair.Generate();
            Assert.That(Dh(pinned, pinnedKey.PrivateKey, peer.PublicKey), Is.EqualTo(Dh(ManagedX25519.Instance, pinnedKey.PrivateKey, peer.PublicKey)));
            Assert.That(Dh(pinned, peer.PrivateKey, pinnedKey.PublicKey), Is.EqualTo(Dh(ManagedX25519.Instance, peer.PrivateKey, pinnedKey.PublicKey)));
        }

        byte[] output = new byte[32];
        Assert.Throws<NoiseException>(() => pinned.Dh(pinnedKey.PrivateKey, new byte[32], output));
    }

    [TestCaseSource(nameof(s_implementations))]
    public void Rfc7748Section6Vector(INoiseDh dh)
    {
        byte[] alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] alicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        byte[] bobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        byte[] shared = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

        Assert.That(KeyPair.FromPrivate(alicePrivate).PublicKey, Is.EqualTo(alicePublic));
        Assert.That(KeyPair.FromPrivate(bobPrivate).PublicKey, Is.EqualTo(bobPublic));
        Assert.That(Dh(dh, alicePrivate, bobPublic), Is.EqualTo(shared));
        Assert.That(Dh(dh, bobPrivate, alicePublic), Is.EqualTo(shared));
    }

    [Test]
    public void LowOrderPublicKeysAreRejectedByBoth([ValueSource(nameof(s_implementations))] INoiseDh dh, [ValueSource(nameof(s_lowOrder))] string hex)
    {
        using KeyPair local = KeyPair.Generate();
        byte[] pub = Convert.FromHexString(hex);
        byte[] output = new byte[32];
        Assert.Throws<NoiseException>(() => dh.Dh(local.PrivateKey, pub, output));
        Assert.That(output, Is.All.EqualTo(0));
    }

    [Test]
    public void HandshakeRefusesLowOrderEphemeralWithNativeDh()
    {
        using KeyPair relayStatic = KeyPair.Generate();
        using KeyPair agentStatic = KeyPair.Generate();
        byte[] preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);
        using HandshakeState agent = LinkHandshake.CreateInitiator(agentStatic, relayStatic.PublicKey, preamble, ManagedChaChaPolyFactory.Instance);
        using HandshakeState relay = LinkHandshake.CreateResponder(relayStatic, preamble, NativeChaChaPolyFactory.Instance, NativeX25519.Instance);
        byte[] message = new byte[HandshakeState.MaxMessageLength];
        int length = agent.WriteMessage(default, message);
        message.AsSpan(0, 32).Clear(); // the ephemeral key: u = 0
        Assert.Throws<NoiseException>(() => relay.ReadMessage(message.AsSpan(0, length), new byte[HandshakeState.MaxMessageLength]));
    }

    [Test]
    public void LinkHandshakeManagedAgentNativeRelayThenTransportBothWays()
    {
        Assume.That(NativeChaChaPolyFactory.IsSupported, "platform ChaCha20-Poly1305 is unavailable");
        using KeyPair agentStatic = KeyPair.Generate();
        using KeyPair relayStatic = KeyPair.Generate();
        byte[] preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);

        // The agent as shipped: managed DH and AEAD (the defaults). The relay as shipped: OpenSSL for
        // both, with its static key pinned.
        using HandshakeState agent = LinkHandshake.CreateInitiator(agentStatic, relayStatic.PublicKey, preamble, ManagedChaChaPolyFactory.Instance);
        using HandshakeState relay = LinkHandshake.CreateResponder(relayStatic, preamble, NativeChaChaPolyFactory.Instance, NativeX25519.ForStaticKey(relayStatic));

        byte[] message = new byte[65535];
        byte[] payload = new byte[65535];
        int length = agent.WriteMessage("hello"u8, message);
        int read = relay.ReadMessage(message.AsSpan(0, length), payload);
        Assert.That(payload[..read], Is.EqualTo("hello"u8.ToArray()));
        Assert.That(relay.RemoteStaticPublicKey.ToArray(), Is.EqualTo(agentStatic.PublicKey));

        length = relay.WriteMessage("welcome"u8, message);
        read = agent.ReadMessage(message.AsSpan(0, length), payload);
        Assert.That(payload[..read], Is.EqualTo("welcome"u8.ToArray()));
        Assert.That(agent.IsHandshakeComplete && relay.IsHandshakeComplete, Is.True);
        Assert.That(agent.HandshakeHash, Is.EqualTo(relay.HandshakeHash));

        (CipherState agentSend, CipherState agentReceive) = agent.Split();
        (CipherState relaySend, CipherState relayReceive) = relay.Split();
        using (agentSend)
        using (agentReceive)
        using (relaySend)
        using (relayReceive)
        {
            for (int i = 0; i < 20; i++)
            {
                byte[] up = Random(i * 997 % 4000);
                length = agentSend.EncryptWithAd([], up, message);
                read = relayReceive.DecryptWithAd([], message.AsSpan(0, length), payload);
                Assert.That(payload[..read], Is.EqualTo(up));

                byte[] down = Encoding.UTF8.GetBytes($"reply {i}");
                length = relaySend.EncryptWithAd([], down, message);
                read = agentReceive.DecryptWithAd([], message.AsSpan(0, length), payload);
                Assert.That(payload[..read], Is.EqualTo(down));
            }
        }
    }

    private static byte[] Dh(INoiseDh dh, byte[] priv, byte[] pub)
    {
        byte[] output = new byte[32];
        dh.Dh(priv, pub, output);
        return output;
    }

    private static byte[] Random(int length)
    {
        byte[] bytes = new byte[length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return bytes;
    }
}
