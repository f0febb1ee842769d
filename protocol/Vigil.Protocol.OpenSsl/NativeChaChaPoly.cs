using System.Buffers.Binary;
using System.Security.Cryptography;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.OpenSsl;

/// <summary>
/// Noise ChaChaPoly on the platform's ChaCha20-Poly1305 (OpenSSL on Linux). The relay runs on
/// servers that have it, and it is much faster than the managed implementation the agent needs.
/// </summary>
/// <remarks>
/// The ciphertext may start at the same address as the plaintext (in-place), but the buffers must
/// not partially overlap: the platform implementation rejects that.
/// </remarks>
public sealed class NativeChaChaPoly : INoiseAead
{
    private const int TagSize = 16;

    private readonly ChaCha20Poly1305 _cipher;

    public NativeChaChaPoly(ReadOnlySpan<byte> key32)
    {
        if (key32.Length != 32)
        {
            throw new ArgumentException("ChaChaPoly needs a 32-byte key.", nameof(key32));
        }

        _cipher = new ChaCha20Poly1305(key32);
    }

    public void Seal(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        if (ciphertextAndTag.Length < plaintext.Length + TagSize)
        {
            throw new ArgumentException("Output is too small for ciphertext and tag.", nameof(ciphertextAndTag));
        }

        Span<byte> nonce12 = stackalloc byte[12];
        WriteNonce(nonce, nonce12);
        _cipher.Encrypt(
            nonce12,
            plaintext,
            ciphertextAndTag[..plaintext.Length],
            ciphertextAndTag.Slice(plaintext.Length, TagSize),
            ad);
    }

    public bool Open(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }

        int length = ciphertextAndTag.Length - TagSize;
        if (plaintext.Length < length)
        {
            throw new ArgumentException("Output is too small for the plaintext.", nameof(plaintext));
        }

        Span<byte> nonce12 = stackalloc byte[12];
        WriteNonce(nonce, nonce12);
        try
        {
            _cipher.Decrypt(nonce12, ciphertextAndTag[..length], ciphertextAndTag[length..], plaintext[..length], ad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // The platform already zeroed the output; a bad tag is an answer, not an error.
            return false;
        }
    }

    public void Dispose() => _cipher.Dispose();

    // Noise spec rev 34, §12.3: 32 zero bits, then the counter as 64-bit little-endian.
    private static void WriteNonce(ulong counter, Span<byte> nonce12)
    {
        nonce12[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce12[4..], counter);
    }
}
