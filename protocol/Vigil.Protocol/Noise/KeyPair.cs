namespace Vigil.Protocol.Noise;

/// <summary>A Curve25519 key pair (Noise §12.1): 32-byte private and public keys.</summary>
/// <remarks>
/// The properties return the pair's own arrays, so callers must not modify them. Dispose wipes the
/// private key; the pair is unusable afterwards.
/// </remarks>
public sealed class KeyPair : IDisposable
{
    public const int KeySize = 32;

    private KeyPair(byte[] privateKey, byte[] publicKey)
    {
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    public byte[] PrivateKey { get; }

    public byte[] PublicKey { get; }

    /// <summary>A fresh key pair from kernel randomness, clamped as RFC 7748 §5 describes.</summary>
    public static KeyPair Generate() => Generate(ManagedX25519.Instance);

    /// <summary>A fresh key pair made by <paramref name="dh"/> (random, clamped private key).</summary>
    public static KeyPair Generate(INoiseDh dh)
    {
        ArgumentNullException.ThrowIfNull(dh);
        byte[] privateKey = new byte[KeySize];
        byte[] publicKey = new byte[KeySize];
        try
        {
            dh.GenerateKeyPair(privateKey, publicKey);
        }
        catch
        {
            Array.Clear(privateKey);
            throw;
        }

        return new KeyPair(privateKey, publicKey);
    }

    /// <summary>
    /// The pair for an existing private key. The key is kept as given: X25519 clamps the scalar on
    /// every use, so an unclamped key yields the same public key and shared secrets.
    /// </summary>
    public static KeyPair FromPrivate(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeySize)
        {
            throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        }

        byte[] copy = privateKey.ToArray();
        return new KeyPair(copy, X25519.PublicKeyOf(copy));
    }

    public void Dispose()
    {
        Array.Clear(PrivateKey);
    }
}
