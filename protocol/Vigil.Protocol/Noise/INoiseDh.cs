namespace Vigil.Protocol.Noise;

/// <summary>
/// The Noise DH functions for Curve25519 (spec rev 34, §4.1, §12.1): GENERATE_KEYPAIR and DH. The
/// agent (NativeAOT, no OpenSSL) uses <see cref="ManagedX25519"/>; the relay can plug in a native
/// implementation, since DH dominates the CPU cost of a handshake.
/// </summary>
/// <remarks>Implementations must be thread-safe: one instance serves every handshake.</remarks>
public interface INoiseDh
{
    /// <summary>
    /// Writes a fresh random private key (clamped as RFC 7748 §5 describes) and its public key.
    /// Both spans are exactly 32 bytes.
    /// </summary>
    void GenerateKeyPair(Span<byte> priv, Span<byte> pub);

    /// <summary>
    /// Writes X25519(priv, pub) to <paramref name="out32"/>. Throws <see cref="NoiseException"/> when
    /// the result would be all zeros (a low-order public key): such a key contributes nothing secret,
    /// and accepting it would let a peer force a known shared secret.
    /// </summary>
    void Dh(ReadOnlySpan<byte> priv, ReadOnlySpan<byte> pub, Span<byte> out32);
}
