namespace Vigil.Protocol.Noise;

/// <summary>
/// A Noise CipherState (spec rev 34, §5.1): a key and a 64-bit nonce that counts messages. Used for
/// handshake payloads inside <see cref="SymmetricState"/> and, after Split, for transport messages.
/// </summary>
/// <remarks>Not thread-safe: one sender (or receiver) per instance.</remarks>
public sealed class CipherState : IDisposable
{
    /// <summary>Bytes the AEAD adds to every encrypted message.</summary>
    public const int TagSize = 16;

    /// <summary>Noise §3: no message, handshake or transport, exceeds 65535 bytes.</summary>
    public const int MaxMessageLength = 65535;

    private const int KeySize = 32;

    private readonly INoiseAeadFactory _factory;
    private INoiseAead? _aead;
    private ulong _nonce;

    public CipherState(INoiseAeadFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
    }

    /// <summary>Whether a key is set; without one, Encrypt/DecryptWithAd pass data through (§5.1).</summary>
    public bool HasKey => _aead is not null;

    /// <summary>The nonce the next message will use.</summary>
    public ulong Nonce => _nonce;

    /// <summary>Sets the key (an empty span clears it) and resets the nonce to zero.</summary>
    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        if (!key.IsEmpty && key.Length != KeySize)
        {
            throw new ArgumentException("A Noise cipher key is 32 bytes.", nameof(key));
        }

        _aead?.Dispose();
        _aead = key.IsEmpty ? null : _factory.Create(key);
        _nonce = 0;
    }

    /// <summary>Sets the nonce, for out-of-order transport schemes (§5.1, §11.4).</summary>
    public void SetNonce(ulong nonce) => _nonce = nonce;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="output"/> with associated data
    /// <paramref name="ad"/> and advances the nonce. Returns the bytes written (plaintext + 16 with
    /// a key, plaintext alone without one).
    /// </summary>
    public int EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        if (_aead is null)
        {
            CheckLength(plaintext.Length, output.Length);
            plaintext.CopyTo(output);
            return plaintext.Length;
        }

        int length = plaintext.Length + TagSize;
        CheckLength(length, output.Length);
        CheckNonce();
        _aead.Seal(_nonce, ad, plaintext, output[..length]);
        _nonce++;
        return length;
    }

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> into <paramref name="output"/>. Throws
    /// <see cref="NoiseException"/> if authentication fails; the nonce then stays where it was (§5.1).
    /// </summary>
    public int DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> output)
    {
        if (ciphertext.Length > MaxMessageLength)
        {
            throw new NoiseException($"Noise messages are at most {MaxMessageLength} bytes.");
        }

        if (_aead is null)
        {
            CheckOutput(ciphertext.Length, output.Length);
            ciphertext.CopyTo(output);
            return ciphertext.Length;
        }

        if (ciphertext.Length < TagSize)
        {
            throw new NoiseException("Ciphertext is shorter than the authentication tag.");
        }

        int length = ciphertext.Length - TagSize;
        CheckOutput(length, output.Length);
        CheckNonce();
        if (!_aead.Open(_nonce, ad, ciphertext, output[..length]))
        {
            throw new NoiseException("Message authentication failed.");
        }

        _nonce++;
        return length;
    }

    /// <summary>
    /// Replaces the key with ENCRYPT(k, 2^64-1, empty, 32 zero bytes) truncated to 32 bytes (§4.2,
    /// §11.3), leaving the nonce alone.
    /// </summary>
    public void Rekey()
    {
        if (_aead is null)
        {
            throw new InvalidOperationException("Rekey needs a key.");
        }

        Span<byte> zeros = stackalloc byte[KeySize];
        Span<byte> sealedKey = stackalloc byte[KeySize + TagSize];
        zeros.Clear();
        try
        {
            _aead.Seal(ulong.MaxValue, [], zeros, sealedKey);
            _aead.Dispose();
            _aead = _factory.Create(sealedKey[..KeySize]);
        }
        finally
        {
            sealedKey.Clear();
        }
    }

    public void Dispose()
    {
        _aead?.Dispose();
        _aead = null;
    }

    // §5.1: nonce 2^64-1 is reserved for Rekey; hitting it means the session must end.
    private void CheckNonce()
    {
        if (_nonce == ulong.MaxValue)
        {
            throw new NoiseException("Nonce space exhausted; the session must be re-established.");
        }
    }

    private static void CheckLength(int messageLength, int outputLength)
    {
        if (messageLength > MaxMessageLength)
        {
            throw new NoiseException($"Noise messages are at most {MaxMessageLength} bytes.");
        }

        CheckOutput(messageLength, outputLength);
    }

    private static void CheckOutput(int needed, int outputLength)
    {
        if (outputLength < needed)
        {
            throw new ArgumentException($"Output buffer holds {outputLength} bytes; {needed} are needed.");
        }
    }
}
