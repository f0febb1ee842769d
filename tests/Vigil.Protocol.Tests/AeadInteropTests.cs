using System.Text;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Protocol.Tests;

/// <summary>
/// The agent encrypts with the managed ChaChaPoly and the relay with the platform one; they must
/// agree bit for bit, including the Noise nonce layout.
/// </summary>
[TestFixture]
public sealed class AeadInteropTests
{
    private static readonly int[] s_sizes = [0, 1, 1000, 65519];
    private static readonly ulong[] s_nonces = [0, 1, 0xFFFF_FFFF, 0x1_0000_0000, 1UL << 63, ulong.MaxValue - 1];

    [OneTimeSetUp]
    public void RequirePlatformCipher()
    {
        Assume.That(NativeChaChaPolyFactory.IsSupported, "platform ChaCha20-Poly1305 is unavailable");
    }

    [Test]
    public void ManagedSealsNativeOpens([ValueSource(nameof(s_sizes))] int size)
    {
        RoundTrip(ManagedChaChaPolyFactory.Instance, NativeChaChaPolyFactory.Instance, size);
    }

    [Test]
    public void NativeSealsManagedOpens([ValueSource(nameof(s_sizes))] int size)
    {
        RoundTrip(NativeChaChaPolyFactory.Instance, ManagedChaChaPolyFactory.Instance, size);
    }

    [Test]
    public void BothRejectATamperedTagWithoutThrowing()
    {
        byte[] key = Random(32);
        byte[] ad = Random(32);
        byte[] plaintext = Random(100);
        using INoiseAead managed = ManagedChaChaPolyFactory.Instance.Create(key);
        using INoiseAead native = NativeChaChaPolyFactory.Instance.Create(key);
        byte[] sealedMessage = new byte[plaintext.Length + 16];
        managed.Seal(7, ad, plaintext, sealedMessage);

        byte[] output = new byte[plaintext.Length];
        foreach (int position in new[] { 0, 50, sealedMessage.Length - 1 })
        {
            byte[] tampered = (byte[])sealedMessage.Clone();
            tampered[position] ^= 0x01;
            Assert.That(managed.Open(7, ad, tampered, output), Is.False, $"managed, byte {position}");
            Assert.That(native.Open(7, ad, tampered, output), Is.False, $"native, byte {position}");
        }

        Assert.That(managed.Open(8, ad, sealedMessage, output), Is.False, "managed, wrong nonce");
        Assert.That(native.Open(7, [], sealedMessage, output), Is.False, "native, wrong ad");
        Assert.That(managed.Open(7, ad, sealedMessage.AsSpan(0, 15), output), Is.False, "managed, shorter than a tag");
        Assert.That(managed.Open(7, ad, sealedMessage, output), Is.True);
        Assert.That(output, Is.EqualTo(plaintext));
    }

    [Test]
    public void ManagedSealWorksInPlace()
    {
        byte[] key = Random(32);
        byte[] plaintext = Random(300);
        byte[] buffer = new byte[plaintext.Length + 16];
        plaintext.CopyTo(buffer, 0);
        using INoiseAead managed = ManagedChaChaPolyFactory.Instance.Create(key);
        managed.Seal(3, [], buffer.AsSpan(0, plaintext.Length), buffer);
        Assert.That(managed.Open(3, [], buffer, buffer), Is.True);
        Assert.That(buffer[..plaintext.Length], Is.EqualTo(plaintext));
    }

    /// <summary>RFC 8439 §2.8.2; its nonce does not start with four zero bytes, so it goes through the generic routine.</summary>
    [Test]
    public void ManagedMatchesRfc8439AeadVector()
    {
        byte[] key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] nonce = Convert.FromHexString("070000004041424344454647");
        byte[] ad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        byte[] plaintext = Encoding.ASCII.GetBytes(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        byte[] expected = Convert.FromHexString(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
            "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
            "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
            "3ff4def08e4b7a9de576d26586cec64b6116" +
            "1ae10b594f09e26a7e902ecbd0600691");

        using var managed = new ManagedChaChaPoly(key);
        byte[] output = new byte[plaintext.Length + 16];
        managed.SealWithNonce(nonce, ad, plaintext, output);
        Assert.That(output, Is.EqualTo(expected));

        byte[] decrypted = new byte[plaintext.Length];
        Assert.That(managed.OpenWithNonce(nonce, ad, expected, decrypted), Is.True);
        Assert.That(decrypted, Is.EqualTo(plaintext));
    }

    [Test]
    public void IkHandshakeAcrossImplementationsThenTransportBothWays()
    {
        using KeyPair agentStatic = KeyPair.Generate();
        using KeyPair relayStatic = KeyPair.Generate();
        byte[] prologue = Encoding.ASCII.GetBytes("vigil test");
        using var agent = new HandshakeState(
            HandshakePattern.IK, true, prologue, agentStatic, null, relayStatic.PublicKey, ManagedChaChaPolyFactory.Instance);
        using var relay = new HandshakeState(
            HandshakePattern.IK, false, prologue, relayStatic, null, [], NativeChaChaPolyFactory.Instance);

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

                byte[] down = Random(65535 - 16 - i);
                length = relaySend.EncryptWithAd([], down, message);
                read = agentReceive.DecryptWithAd([], message.AsSpan(0, length), payload);
                Assert.That(payload[..read], Is.EqualTo(down));
            }
        }
    }

    private static void RoundTrip(INoiseAeadFactory sealer, INoiseAeadFactory opener, int size)
    {
        byte[] key = Random(32);
        using INoiseAead seal = sealer.Create(key);
        using INoiseAead open = opener.Create(key);
        foreach (ulong nonce in s_nonces)
        {
            byte[] ad = Random((int)(nonce % 64));
            byte[] plaintext = Random(size);
            byte[] sealedMessage = new byte[size + 16];
            seal.Seal(nonce, ad, plaintext, sealedMessage);

            byte[] output = new byte[size];
            Assert.That(open.Open(nonce, ad, sealedMessage, output), Is.True, $"nonce {nonce}");
            Assert.That(output, Is.EqualTo(plaintext), $"nonce {nonce}");
        }
    }

    private static byte[] Random(int length)
    {
        byte[] bytes = new byte[length];
        SystemRandom.Fill(bytes);
        return bytes;
    }
}
