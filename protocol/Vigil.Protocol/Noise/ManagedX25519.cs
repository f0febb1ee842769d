namespace Vigil.Protocol.Noise;

/// <summary>
/// <see cref="INoiseDh"/> on the managed <see cref="X25519"/> code and kernel randomness: no
/// System.Security.Cryptography and no OpenSSL, so it is what the agent uses, and the default.
/// </summary>
public sealed class ManagedX25519 : INoiseDh
{
    /// <summary>The implementation is stateless, so one instance serves everyone.</summary>
    public static ManagedX25519 Instance { get; } = new();

    public void GenerateKeyPair(Span<byte> priv, Span<byte> pub)
    {
        if (priv.Length != X25519.KeySize || pub.Length != X25519.KeySize)
        {
            throw new ArgumentException("X25519 keys are 32 bytes.");
        }

        SystemRandom.Fill(priv);
        priv[0] &= 248;
        priv[31] &= 127;
        priv[31] |= 64;
        X25519.PublicKeyOf(priv).CopyTo(pub);
    }

    public void Dh(ReadOnlySpan<byte> priv, ReadOnlySpan<byte> pub, Span<byte> out32) => X25519.Dh(priv, pub, out32);
}
