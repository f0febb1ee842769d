using System.Text;

namespace Vigil.Protocol.Noise;

/// <summary>
/// A Noise SymmetricState (spec rev 34, §5.2) over BLAKE2s: the chaining key, the handshake hash
/// and the CipherState that encrypts handshake payloads.
/// </summary>
public sealed class SymmetricState : IDisposable
{
    private const int HashLength = Blake2s.HashLength;

    private readonly INoiseAeadFactory _factory;
    private readonly CipherState _cipher;
    private readonly byte[] _ck = new byte[HashLength];
    private readonly byte[] _h = new byte[HashLength];

    public SymmetricState(INoiseAeadFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
        _cipher = new CipherState(factory);
    }

    /// <summary>Whether handshake payloads are encrypted yet (some DH or psk has been mixed in).</summary>
    public bool HasKey => _cipher.HasKey;

    /// <summary>
    /// §5.2: h = the protocol name padded with zeros if it fits in HASHLEN, else HASH(name); ck = h;
    /// no cipher key.
    /// </summary>
    public void InitializeSymmetric(string protocolName)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        InitializeSymmetric(Encoding.ASCII.GetBytes(protocolName));
    }

    /// <inheritdoc cref="InitializeSymmetric(string)"/>
    public void InitializeSymmetric(ReadOnlySpan<byte> protocolName)
    {
        if (protocolName.Length <= HashLength)
        {
            Array.Clear(_h);
            protocolName.CopyTo(_h);
        }
        else
        {
            Blake2s.Hash(protocolName, _h);
        }

        _h.CopyTo(_ck, 0);
        _cipher.InitializeKey([]);
    }

    /// <summary>§5.2: ck, temp_k = HKDF(ck, ikm, 2); the cipher takes temp_k.</summary>
    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> tempKey = stackalloc byte[HashLength];
        try
        {
            Blake2s.Hkdf(_ck, inputKeyMaterial, _ck, tempKey);
            _cipher.InitializeKey(tempKey);
        }
        finally
        {
            tempKey.Clear();
        }
    }

    /// <summary>§5.2: h = HASH(h || data).</summary>
    public void MixHash(ReadOnlySpan<byte> data)
    {
        Blake2s.Hash(_h, data, _h);
    }

    /// <summary>§5.2, for psk tokens: ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); key = temp_k.</summary>
    public void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> tempH = stackalloc byte[HashLength];
        Span<byte> tempKey = stackalloc byte[HashLength];
        try
        {
            Blake2s.Hkdf(_ck, inputKeyMaterial, _ck, tempH, tempKey);
            MixHash(tempH);
            _cipher.InitializeKey(tempKey);
        }
        finally
        {
            tempH.Clear();
            tempKey.Clear();
        }
    }

    /// <summary>A copy of h; after the handshake it identifies the session for channel binding (§11.2).</summary>
    public byte[] GetHandshakeHash() => (byte[])_h.Clone();

    /// <summary>§5.2: ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext). Returns bytes written.</summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        int written = _cipher.EncryptWithAd(_h, plaintext, output);
        MixHash(output[..written]);
        return written;
    }

    /// <summary>
    /// §5.2: plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext). Throws
    /// <see cref="NoiseException"/> on a bad tag, leaving h unchanged.
    /// </summary>
    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> output)
    {
        // Hash the ciphertext before decrypting so that decrypting in place cannot corrupt h.
        Span<byte> nextH = stackalloc byte[HashLength];
        Blake2s.Hash(_h, ciphertext, nextH);
        int written = _cipher.DecryptWithAd(_h, ciphertext, output);
        nextH.CopyTo(_h);
        return written;
    }

    /// <summary>
    /// §5.2: temp_k1, temp_k2 = HKDF(ck, empty, 2); returns two CipherStates keyed with them. The
    /// chaining key is wiped afterwards since nothing may derive from it again.
    /// </summary>
    public (CipherState C1, CipherState C2) Split()
    {
        Span<byte> k1 = stackalloc byte[HashLength];
        Span<byte> k2 = stackalloc byte[HashLength];
        try
        {
            Blake2s.Hkdf(_ck, [], k1, k2);
            var c1 = new CipherState(_factory);
            var c2 = new CipherState(_factory);
            c1.InitializeKey(k1);
            c2.InitializeKey(k2);
            Array.Clear(_ck);
            _cipher.InitializeKey([]);
            return (c1, c2);
        }
        finally
        {
            k1.Clear();
            k2.Clear();
        }
    }

    public void Dispose()
    {
        Array.Clear(_ck);
        _cipher.Dispose();
    }
}
