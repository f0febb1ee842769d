namespace Vigil.Protocol.Noise;

/// <summary>
/// ChaChaPoly exactly as Noise uses it (spec rev 34, §12.3): the 96-bit nonce is 32 zero bits
/// followed by the 64-bit counter in little-endian order, and the 16-byte Poly1305 tag is appended
/// to the ciphertext. One instance is bound to one 32-byte key.
/// </summary>
/// <remarks>
/// Buffers: the output may start at the same address as the input (true in-place operation), but
/// must not partially overlap it. Implementations are not thread-safe.
/// </remarks>
public interface INoiseAead : IDisposable
{
    /// <summary>Encrypts <paramref name="plaintext"/> and writes ciphertext followed by the 16-byte tag.</summary>
    /// <param name="ciphertextAndTag">At least <c>plaintext.Length + 16</c> bytes.</param>
    void Seal(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag);

    /// <summary>
    /// Authenticates and decrypts. Returns false when the tag does not match (never throws for that);
    /// in that case nothing meaningful is written to <paramref name="plaintext"/>.
    /// </summary>
    /// <param name="plaintext">At least <c>ciphertextAndTag.Length - 16</c> bytes.</param>
    bool Open(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext);
}
