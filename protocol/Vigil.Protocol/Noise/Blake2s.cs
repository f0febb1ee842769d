using System.Buffers;
using Org.BouncyCastle.Crypto.Digests;

namespace Vigil.Protocol.Noise;

/// <summary>
/// BLAKE2s-256 and the HMAC / HKDF constructions Noise builds on it (spec rev 34, §4.3 and §12.8).
/// </summary>
public static class Blake2s
{
    /// <summary>HASHLEN for BLAKE2s.</summary>
    public const int HashLength = 32;

    /// <summary>BLOCKLEN for BLAKE2s; HMAC pads its key to this size.</summary>
    public const int BlockLength = 64;

    /// <summary>BLAKE2s-256 of <paramref name="data"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> out32)
    {
        Hash(data, [], out32);
    }

    /// <summary>
    /// BLAKE2s-256 of <paramref name="first"/> followed by <paramref name="second"/>, without
    /// concatenating them (MixHash and HMAC hash two pieces).
    /// </summary>
    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> out32)
    {
        if (out32.Length < HashLength)
        {
            throw new ArgumentException("Output must hold 32 bytes.", nameof(out32));
        }

        var digest = new Blake2sDigest(HashLength * 8);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(HashLength, Math.Max(first.Length, second.Length)));
        try
        {
            // BouncyCastle 1.8.10 only takes arrays; stage each piece through one pooled buffer.
            first.CopyTo(buffer);
            digest.BlockUpdate(buffer, 0, first.Length);
            second.CopyTo(buffer);
            digest.BlockUpdate(buffer, 0, second.Length);
            digest.DoFinal(buffer, 0);
            buffer.AsSpan(0, HashLength).CopyTo(out32);
        }
        finally
        {
            // Hash inputs include key material (HMAC keys, DH outputs).
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>HMAC-BLAKE2s per RFC 2104 with a 64-byte block, as Noise §4.3 defines HMAC-HASH.</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> out32)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        Span<byte> inner = stackalloc byte[HashLength];
        try
        {
            // RFC 2104 §2: keys longer than the block are hashed first; shorter ones are zero-padded.
            block.Clear();
            if (key.Length > BlockLength)
            {
                Hash(key, block);
            }
            else
            {
                key.CopyTo(block);
            }

            for (int i = 0; i < BlockLength; i++)
            {
                block[i] ^= 0x36;
            }

            Hash(block, data, inner);

            for (int i = 0; i < BlockLength; i++)
            {
                block[i] ^= 0x36 ^ 0x5c;
            }

            Hash(block, inner, out32);
        }
        finally
        {
            block.Clear();
            inner.Clear();
        }
    }

    /// <summary>HKDF with two outputs, exactly as Noise §4.3 defines it (no info, no length).</summary>
    public static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output1, Span<byte> output2)
    {
        Hkdf(chainingKey, inputKeyMaterial, output1, output2, []);
    }

    /// <summary>
    /// HKDF with two or three outputs (pass an empty <paramref name="output3"/> for two), exactly as
    /// Noise §4.3 defines it: temp_key = HMAC(ck, ikm); out1 = HMAC(temp_key, 0x01);
    /// out2 = HMAC(temp_key, out1 || 0x02); out3 = HMAC(temp_key, out2 || 0x03).
    /// </summary>
    public static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output1, Span<byte> output2, Span<byte> output3)
    {
        if (output1.Length < HashLength || output2.Length < HashLength || (!output3.IsEmpty && output3.Length < HashLength))
        {
            throw new ArgumentException("HKDF outputs must hold 32 bytes each.");
        }

        Span<byte> tempKey = stackalloc byte[HashLength];
        Span<byte> input = stackalloc byte[HashLength + 1];
        try
        {
            Hmac(chainingKey, inputKeyMaterial, tempKey);

            input[0] = 0x01;
            Hmac(tempKey, input[..1], output1);

            output1[..HashLength].CopyTo(input);
            input[HashLength] = 0x02;
            Hmac(tempKey, input, output2);

            if (!output3.IsEmpty)
            {
                output2[..HashLength].CopyTo(input);
                input[HashLength] = 0x03;
                Hmac(tempKey, input, output3);
            }
        }
        finally
        {
            tempKey.Clear();
            input.Clear();
        }
    }
}
