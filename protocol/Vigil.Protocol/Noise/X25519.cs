using Rfc7748 = Org.BouncyCastle.Math.EC.Rfc7748;

namespace Vigil.Protocol.Noise;

/// <summary>The Noise DH function for Curve25519 (spec rev 34, §12.1), on BouncyCastle's RFC 7748 code.</summary>
public static class X25519
{
    public const int KeySize = 32;

    /// <summary>
    /// Writes DH(priv, pub) to <paramref name="out32"/>. Throws <see cref="NoiseException"/> when the
    /// result is all zeros, i.e. the peer sent a low-order point: such a key contributes nothing
    /// secret, and accepting it would let a peer force a known shared secret.
    /// </summary>
    public static void Dh(ReadOnlySpan<byte> priv, ReadOnlySpan<byte> pub, Span<byte> out32)
    {
        if (priv.Length != KeySize || pub.Length != KeySize)
        {
            throw new ArgumentException("X25519 keys are 32 bytes.");
        }

        if (out32.Length < KeySize)
        {
            throw new ArgumentException("Output must hold 32 bytes.", nameof(out32));
        }

        byte[] k = priv.ToArray();
        byte[] u = pub.ToArray();
        byte[] r = new byte[KeySize];
        try
        {
            // CalculateAgreement clamps the scalar and returns false for an all-zero result.
            if (!Rfc7748.X25519.CalculateAgreement(k, 0, u, 0, r, 0))
            {
                throw new NoiseException("X25519 produced an all-zero shared secret (low-order public key).");
            }

            r.CopyTo(out32);
        }
        finally
        {
            Array.Clear(k);
            Array.Clear(r);
        }
    }

    /// <summary>The public key of a 32-byte private key (clamped during the multiplication).</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> priv)
    {
        if (priv.Length != KeySize)
        {
            throw new ArgumentException("X25519 keys are 32 bytes.", nameof(priv));
        }

        byte[] k = priv.ToArray();
        byte[] publicKey = new byte[KeySize];
        try
        {
            Rfc7748.X25519.ScalarMultBase(k, 0, publicKey, 0);
        }
        finally
        {
            Array.Clear(k);
        }

        return publicKey;
    }
}
