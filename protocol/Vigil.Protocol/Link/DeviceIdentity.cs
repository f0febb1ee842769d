using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Link;

/// <summary>
/// What names a device: its Noise static public key. The device id and the fingerprint are short,
/// stable forms of that key for people and URLs; nobody can claim an id without the private key.
/// </summary>
public static class DeviceIdentity
{
    private static ReadOnlySpan<byte> IdLabel => "vigil device id v1"u8;
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>24 lowercase base32 characters: the first 120 bits of BLAKE2s(label || public key).</summary>
    public static string DeviceId(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != 32)
        {
            throw new ArgumentException("an X25519 public key is 32 bytes", nameof(publicKey));
        }
        Span<byte> input = stackalloc byte[IdLabel.Length + 32];
        IdLabel.CopyTo(input);
        publicKey.CopyTo(input[IdLabel.Length..]);
        Span<byte> hash = stackalloc byte[32];
        Blake2s.Hash(input, hash);
        return Base32(hash[..15]);
    }

    /// <summary>The key's BLAKE2s digest, first 16 bytes in hex groups of four: what an operator compares.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[32];
        Blake2s.Hash(publicKey, hash);
        var hex = Convert.ToHexStringLower(hash[..16]);
        Span<char> grouped = stackalloc char[8 * 4 + 7];
        for (int i = 0, o = 0; i < 8; i++)
        {
            if (i > 0)
            {
                grouped[o++] = ':';
            }
            hex.AsSpan(i * 4, 4).CopyTo(grouped[o..]);
            o += 4;
        }
        return new string(grouped);
    }

    private static string Base32(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int bits = 0, value = 0, o = 0;
        foreach (var b in data)
        {
            value = (value << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[o++] = Base32Alphabet[(value >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            chars[o++] = Base32Alphabet[(value << (5 - bits)) & 31];
        }
        return new string(chars, 0, o);
    }

    /// <summary>Reads a key written as 44 base64 characters (or 64 hex digits).</summary>
    public static bool TryParseKey(string? text, out byte[] key)
    {
        key = [];
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        try
        {
            key = text.Length == 64 ? Convert.FromHexString(text) : Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return false;
        }
        return key.Length == 32;
    }
}
