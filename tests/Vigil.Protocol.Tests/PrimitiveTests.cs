using System.Text;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tests;

[TestFixture]
public sealed class PrimitiveTests
{
    [Test]
    public void SystemRandomFillsBuffers()
    {
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        SystemRandom.Fill(a);
        SystemRandom.Fill(b);
        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a.Any(x => x != 0), Is.True);
        SystemRandom.Fill([]);
    }

    /// <summary>RFC 7693 Appendix B.</summary>
    [Test]
    public void Blake2sMatchesRfc7693()
    {
        byte[] digest = new byte[32];
        Blake2s.Hash(Encoding.ASCII.GetBytes("abc"), digest);
        Assert.That(Convert.ToHexStringLower(digest), Is.EqualTo("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"));

        byte[] split = new byte[32];
        Blake2s.Hash("a"u8, "bc"u8, split);
        Assert.That(split, Is.EqualTo(digest));
    }

    /// <summary>RFC 7748 §6.1.</summary>
    [Test]
    public void X25519MatchesRfc7748()
    {
        using KeyPair alice = KeyPair.FromPrivate(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        using KeyPair bob = KeyPair.FromPrivate(Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        Assert.That(Convert.ToHexStringLower(alice.PublicKey), Is.EqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        Assert.That(Convert.ToHexStringLower(bob.PublicKey), Is.EqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));

        byte[] ab = new byte[32];
        byte[] ba = new byte[32];
        X25519.Dh(alice.PrivateKey, bob.PublicKey, ab);
        X25519.Dh(bob.PrivateKey, alice.PublicKey, ba);
        Assert.That(Convert.ToHexStringLower(ab), Is.EqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
        Assert.That(ba, Is.EqualTo(ab));
    }

    [Test]
    public void X25519RejectsLowOrderPoints()
    {
        using KeyPair pair = KeyPair.Generate();
        byte[] output = new byte[32];
        Assert.Throws<NoiseException>(() => X25519.Dh(pair.PrivateKey, new byte[32], output));
        byte[] one = new byte[32];
        one[0] = 1;
        Assert.Throws<NoiseException>(() => X25519.Dh(pair.PrivateKey, one, output));
    }

    [Test]
    public void GeneratedKeysAgree()
    {
        using KeyPair a = KeyPair.Generate();
        using KeyPair b = KeyPair.Generate();
        Assert.That(a.PublicKey, Is.Not.EqualTo(b.PublicKey));
        Assert.That(a.PrivateKey[0] & 7, Is.Zero);
        byte[] ab = new byte[32];
        byte[] ba = new byte[32];
        X25519.Dh(a.PrivateKey, b.PublicKey, ab);
        X25519.Dh(b.PrivateKey, a.PublicKey, ba);
        Assert.That(ab, Is.EqualTo(ba));
    }

    [Test]
    public void CipherStateRefusesTheReservedNonce()
    {
        using var cipher = new CipherState(ManagedChaChaPolyFactory.Instance);
        cipher.InitializeKey(new byte[32]);
        cipher.SetNonce(ulong.MaxValue);
        Assert.Throws<NoiseException>(() => cipher.EncryptWithAd([], [], new byte[16]));
    }

    [Test]
    public void RekeyChangesTheKeyIdenticallyOnBothSides()
    {
        byte[] key = new byte[32];
        SystemRandom.Fill(key);
        using var sender = new CipherState(ManagedChaChaPolyFactory.Instance);
        using var receiver = new CipherState(ManagedChaChaPolyFactory.Instance);
        sender.InitializeKey(key);
        receiver.InitializeKey(key);
        sender.Rekey();
        byte[] message = new byte[32];
        byte[] payload = new byte[32];
        int length = sender.EncryptWithAd([], "x"u8, message);
        Assert.Throws<NoiseException>(() => receiver.DecryptWithAd([], message.AsSpan(0, length), payload));
        receiver.Rekey();
        Assert.That(receiver.DecryptWithAd([], message.AsSpan(0, length), payload), Is.EqualTo(1));
    }

    [Test]
    public void PatternLookup()
    {
        Assert.That(HandshakePattern.Parse("IK"), Is.SameAs(HandshakePattern.IK));
        Assert.That(HandshakePattern.XX.Messages, Has.Count.EqualTo(3));
        Assert.That(HandshakePattern.Parse("NNpsk0+psk2").Messages[0][0], Is.EqualTo(NoiseToken.Psk));
        Assert.That(HandshakePattern.TryParse("QQ", out _), Is.False);
        Assert.That(HandshakePattern.TryParse("NNpsk9", out _), Is.False);
        Assert.Throws<ArgumentException>(() => HandshakePattern.Parse("IKpsk"));
    }
}
