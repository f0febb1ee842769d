using System.Buffers.Binary;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Vigil.Protocol.Noise;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439 §2.8) built from BouncyCastle's ChaCha7539Engine and Poly1305, for
/// the NativeAOT agent where System.Security.Cryptography would need OpenSSL.
/// </summary>
/// <remarks>
/// Composed by hand rather than through BouncyCastle's ChaCha20Poly1305 mode so that decryption
/// checks the tag before any plaintext is produced, and a bad tag is a return value, not an
/// exception. BouncyCastle 1.8.10 only takes arrays, so inputs are staged through buffers owned by
/// this instance; that also makes any overlap between input and output harmless. The engine, MAC
/// and key parameter are reused for every message under this key.
/// </remarks>
public sealed class ManagedChaChaPoly : INoiseAead
{
    private const int KeySize = 32;
    private const int TagSize = 16;

    private static readonly byte[] s_zeros = new byte[64];

    private readonly ChaCha7539Engine _engine = new();
    private readonly Poly1305 _mac = new();
    private readonly KeyParameter _key;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _polyKey = new byte[64];
    private readonly byte[] _tag = new byte[TagSize];
    private readonly byte[] _lengths = new byte[16];
    private byte[] _data = [];
    private byte[] _ad = [];
    private bool _disposed;

    public ManagedChaChaPoly(ReadOnlySpan<byte> key32)
    {
        if (key32.Length != KeySize)
        {
            throw new ArgumentException("ChaChaPoly needs a 32-byte key.", nameof(key32));
        }

        _key = new KeyParameter(key32.ToArray());
    }

    public void Seal(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        SealWithNonce(NoiseNonce(nonce), ad, plaintext, ciphertextAndTag);
    }

    public bool Open(ulong nonce, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        return OpenWithNonce(NoiseNonce(nonce), ad, ciphertextAndTag, plaintext);
    }

    /// <summary>RFC 8439 AEAD encryption with an arbitrary 12-byte nonce (exposed for the RFC vectors).</summary>
    internal void SealWithNonce(ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertextAndTag)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertextAndTag.Length < plaintext.Length + TagSize)
        {
            throw new ArgumentException("Output is too small for ciphertext and tag.", nameof(ciphertextAndTag));
        }

        int length = plaintext.Length;
        byte[] data = Stage(ref _data, plaintext);
        byte[] adArray = Stage(ref _ad, ad);

        StartMessage(nonce12);
        _engine.ProcessBytes(data, 0, length, data, 0);
        ComputeTag(adArray, ad.Length, data, length);

        data.AsSpan(0, length).CopyTo(ciphertextAndTag);
        _tag.CopyTo(ciphertextAndTag[length..]);
        Array.Clear(adArray, 0, ad.Length);
    }

    /// <summary>RFC 8439 AEAD decryption with an arbitrary 12-byte nonce; false when the tag is wrong.</summary>
    internal bool OpenWithNonce(ReadOnlySpan<byte> nonce12, ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }

        int length = ciphertextAndTag.Length - TagSize;
        if (plaintext.Length < length)
        {
            throw new ArgumentException("Output is too small for the plaintext.", nameof(plaintext));
        }

        byte[] data = Stage(ref _data, ciphertextAndTag[..length]);
        byte[] adArray = Stage(ref _ad, ad);

        StartMessage(nonce12);
        ComputeTag(adArray, ad.Length, data, length);
        Array.Clear(adArray, 0, ad.Length);
        if (!FixedTimeEquals(_tag, ciphertextAndTag[length..]))
        {
            Array.Clear(data, 0, length);
            return false;
        }

        _engine.ProcessBytes(data, 0, length, data, 0);
        data.AsSpan(0, length).CopyTo(plaintext);
        Array.Clear(data, 0, length);
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _engine.Reset();
        _mac.Reset();
        Array.Clear(_polyKey);
        Array.Clear(_data);
        Array.Clear(_ad);
        // KeyParameter hands out a copy, so its internal key cannot be wiped from here; dropping the
        // reference is the best BouncyCastle 1.8.10 allows.
    }

    private byte[] NoiseNonce(ulong counter)
    {
        // Noise spec §12.3: 32 bits of zeros followed by the little-endian 64-bit nonce.
        _nonce.AsSpan(0, 4).Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), counter);
        return _nonce;
    }

    // RFC 8439 §2.6: the one-time Poly1305 key is the first half of keystream block 0; the payload
    // is then encrypted from block 1 on, which is where the engine stands after 64 bytes.
    private void StartMessage(ReadOnlySpan<byte> nonce12)
    {
        if (nonce12.Length != 12)
        {
            throw new ArgumentException("ChaCha20-Poly1305 needs a 12-byte nonce.", nameof(nonce12));
        }

        _engine.Init(true, new ParametersWithIV(_key, nonce12.ToArray()));
        _engine.ProcessBytes(s_zeros, 0, 64, _polyKey, 0);
        _mac.Init(new KeyParameter(_polyKey, 0, KeySize));
        Array.Clear(_polyKey);
    }

    // RFC 8439 §2.8: MAC over ad || pad16 || ciphertext || pad16 || le64(len ad) || le64(len ct).
    private void ComputeTag(byte[] ad, int adLength, byte[] ciphertext, int ciphertextLength)
    {
        _mac.BlockUpdate(ad, 0, adLength);
        _mac.BlockUpdate(s_zeros, 0, Pad16(adLength));
        _mac.BlockUpdate(ciphertext, 0, ciphertextLength);
        _mac.BlockUpdate(s_zeros, 0, Pad16(ciphertextLength));
        BinaryPrimitives.WriteUInt64LittleEndian(_lengths.AsSpan(0, 8), (ulong)adLength);
        BinaryPrimitives.WriteUInt64LittleEndian(_lengths.AsSpan(8, 8), (ulong)ciphertextLength);
        _mac.BlockUpdate(_lengths, 0, 16);
        _mac.DoFinal(_tag, 0);
    }

    private static int Pad16(int length) => (16 - (length % 16)) % 16;

    private static byte[] Stage(ref byte[] buffer, ReadOnlySpan<byte> source)
    {
        if (buffer.Length < source.Length)
        {
            Array.Clear(buffer);
            buffer = new byte[Math.Max(source.Length, Math.Min(2 * buffer.Length, 65535))];
        }

        source.CopyTo(buffer);
        return buffer;
    }

    private static bool FixedTimeEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        int diff = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff |= a[i] ^ b[i];
        }

        return diff == 0;
    }
}
