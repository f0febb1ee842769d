namespace Vigil.Protocol.Noise;

/// <summary>
/// A Noise HandshakeState (spec rev 34, §5.3) for Noise_*_25519_ChaChaPoly_BLAKE2s: runs one side of
/// a handshake pattern, then splits into transport CipherStates.
/// </summary>
/// <remarks>
/// Any <see cref="NoiseException"/> leaves the state unusable: a handshake that failed once must be
/// abandoned, never retried with other input (§5.3). Not thread-safe.
/// </remarks>
public sealed class HandshakeState : IDisposable
{
    /// <summary>Noise §3: no message exceeds 65535 bytes.</summary>
    public const int MaxMessageLength = 65535;

    private const int DhLength = X25519.KeySize;
    private const int TagSize = CipherState.TagSize;
    private const int PskLength = 32;

    private readonly HandshakePattern _pattern;
    private readonly bool _initiator;
    private readonly SymmetricState _symmetric;
    private readonly INoiseDh _dh;
    private readonly KeyPair? _s;
    private readonly byte[][] _psks;
    private KeyPair? _e;
    private bool _ownsEphemeral;
    private byte[]? _rs;
    private byte[]? _re;
    private int _messageIndex;
    private int _pskIndex;
    private bool _failed;
    private bool _split;

    /// <param name="pattern">The handshake pattern, e.g. <see cref="HandshakePattern.IK"/>.</param>
    /// <param name="initiator">Whether this side sends the first message.</param>
    /// <param name="prologue">Data both sides must agree on; mixed into the handshake hash (§6).</param>
    /// <param name="s">This side's static key pair, if the pattern uses one. Not disposed by this state.</param>
    /// <param name="e">
    /// A fixed ephemeral key pair, for test vectors only; null generates a fresh one when needed.
    /// </param>
    /// <param name="rs">The peer's static public key if known beforehand (pre-message), else empty.</param>
    /// <param name="aead">Creates the ChaChaPoly instances for every key this handshake derives.</param>
    /// <param name="psks">The 32-byte pre-shared keys, in token order, for psk patterns (§9).</param>
    /// <param name="dh">
    /// Generates the ephemeral key and computes every DH; null means <see cref="ManagedX25519"/>.
    /// </param>
    public HandshakeState(
        HandshakePattern pattern,
        bool initiator,
        ReadOnlySpan<byte> prologue,
        KeyPair? s,
        KeyPair? e,
        ReadOnlySpan<byte> rs,
        INoiseAeadFactory aead,
        IReadOnlyList<byte[]>? psks = null,
        INoiseDh? dh = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(aead);
        if (!rs.IsEmpty && rs.Length != DhLength)
        {
            throw new ArgumentException("A remote static key is 32 bytes.", nameof(rs));
        }

        _pattern = pattern;
        _initiator = initiator;
        _dh = dh ?? ManagedX25519.Instance;
        _s = s;
        _e = e;
        _rs = rs.IsEmpty ? null : rs.ToArray();
        _psks = CopyPsks(psks);
        Validate();

        ProtocolName = "Noise_" + pattern.Name + "_25519_ChaChaPoly_BLAKE2s";
        _symmetric = new SymmetricState(aead);
        _symmetric.InitializeSymmetric(ProtocolName);
        _symmetric.MixHash(prologue);

        // §7.1: pre-message public keys are hashed in, initiator's first.
        foreach (NoiseToken token in pattern.InitiatorPreMessageTokens)
        {
            _symmetric.MixHash(PreMessageKey(token, ofInitiator: true));
        }

        foreach (NoiseToken token in pattern.ResponderPreMessageTokens)
        {
            _symmetric.MixHash(PreMessageKey(token, ofInitiator: false));
        }
    }

    /// <summary>The full protocol name, e.g. "Noise_IK_25519_ChaChaPoly_BLAKE2s".</summary>
    public string ProtocolName { get; }

    public bool IsInitiator => _initiator;

    /// <summary>Whether every handshake message has been written or read; Split is allowed from then on.</summary>
    public bool IsHandshakeComplete => _messageIndex >= _pattern.MessageTokens.Length;

    /// <summary>Whether the next handshake message is this side's to write (false once complete or failed).</summary>
    public bool IsMyTurnToWrite => !_failed && !IsHandshakeComplete && ((_messageIndex % 2 == 0) == _initiator);

    /// <summary>The peer's static public key once known (pre-message or received), else empty.</summary>
    public ReadOnlySpan<byte> RemoteStaticPublicKey => _rs;

    /// <summary>
    /// A copy of the handshake hash h. Once the handshake is complete it uniquely identifies the
    /// session and can be used for channel binding (§11.2).
    /// </summary>
    public byte[] HandshakeHash => _symmetric.GetHandshakeHash();

    /// <summary>
    /// Writes the next handshake message: the pattern's tokens followed by <paramref name="payload"/>
    /// (encrypted once a key exists). Returns the message length.
    /// </summary>
    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> message)
    {
        EnsureUsable();
        if (!IsMyTurnToWrite)
        {
            throw new InvalidOperationException("It is not this side's turn to write a handshake message.");
        }

        NoiseToken[] tokens = _pattern.MessageTokens[_messageIndex];
        (int overhead, int payloadTag) = MessageOverhead(tokens);
        int length = overhead + payload.Length + payloadTag;
        if (length > MaxMessageLength)
        {
            throw new NoiseException($"Handshake message would be {length} bytes; at most {MaxMessageLength} are allowed.");
        }

        if (message.Length < length)
        {
            throw new ArgumentException($"Message buffer holds {message.Length} bytes; {length} are needed.", nameof(message));
        }

        try
        {
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        if (_e is null)
                        {
                            _e = KeyPair.Generate(_dh);
                            _ownsEphemeral = true;
                        }

                        _e.PublicKey.CopyTo(message[offset..]);
                        offset += DhLength;
                        _symmetric.MixHash(_e.PublicKey);
                        if (_pattern.HasPsk)
                        {
                            // §9.2: with psk, "e" also keys the cipher so that encryption never
                            // depends on the psk alone.
                            _symmetric.MixKey(_e.PublicKey);
                        }

                        break;
                    case NoiseToken.S:
                        offset += _symmetric.EncryptAndHash(_s!.PublicKey, message[offset..]);
                        break;
                    default:
                        MixToken(token);
                        break;
                }
            }

            offset += _symmetric.EncryptAndHash(payload, message[offset..]);
            Advance();
            return offset;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>
    /// Reads the next handshake message from the peer and writes its payload to
    /// <paramref name="payload"/>. Returns the payload length. Throws <see cref="NoiseException"/>
    /// on a message that is malformed, too long or too short, or fails authentication.
    /// </summary>
    public int ReadMessage(ReadOnlySpan<byte> message, Span<byte> payload)
    {
        EnsureUsable();
        if (IsHandshakeComplete || IsMyTurnToWrite)
        {
            throw new InvalidOperationException("No handshake message is expected from the peer now.");
        }

        if (message.Length > MaxMessageLength)
        {
            _failed = true;
            throw new NoiseException($"Handshake message is {message.Length} bytes; at most {MaxMessageLength} are allowed.");
        }

        NoiseToken[] tokens = _pattern.MessageTokens[_messageIndex];
        (int overhead, int payloadTag) = MessageOverhead(tokens);
        if (message.Length < overhead + payloadTag)
        {
            _failed = true;
            throw new NoiseException($"Handshake message is {message.Length} bytes; at least {overhead + payloadTag} are needed.");
        }

        int payloadLength = message.Length - overhead - payloadTag;
        if (payload.Length < payloadLength)
        {
            throw new ArgumentException($"Payload buffer holds {payload.Length} bytes; {payloadLength} are needed.", nameof(payload));
        }

        try
        {
            int offset = 0;
            foreach (NoiseToken token in tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        _re = message.Slice(offset, DhLength).ToArray();
                        offset += DhLength;
                        _symmetric.MixHash(_re);
                        if (_pattern.HasPsk)
                        {
                            _symmetric.MixKey(_re);
                        }

                        break;
                    case NoiseToken.S:
                        int sealedLength = DhLength + (_symmetric.HasKey ? TagSize : 0);
                        byte[] rs = new byte[DhLength];
                        _symmetric.DecryptAndHash(message.Slice(offset, sealedLength), rs);
                        offset += sealedLength;
                        _rs = rs;
                        break;
                    default:
                        MixToken(token);
                        break;
                }
            }

            int written = _symmetric.DecryptAndHash(message[offset..], payload);
            Advance();
            return written;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>
    /// The transport CipherStates oriented for this side: the initiator sends with c1 and receives
    /// with c2, the responder the other way round (§5.2, §5.3). For one-way patterns only the
    /// initiator's Send / responder's Receive may be used. Callable once, after the handshake; the
    /// caller owns and disposes the results.
    /// </summary>
    public (CipherState Send, CipherState Receive) Split()
    {
        EnsureUsable();
        if (!IsHandshakeComplete)
        {
            throw new InvalidOperationException("The handshake is not complete.");
        }

        if (_split)
        {
            throw new InvalidOperationException("Split was already called; its CipherStates must not be duplicated.");
        }

        _split = true;
        (CipherState c1, CipherState c2) = _symmetric.Split();
        return _initiator ? (c1, c2) : (c2, c1);
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        WipeEphemeral();
    }

    private static byte[][] CopyPsks(IReadOnlyList<byte[]>? psks)
    {
        if (psks is null)
        {
            return [];
        }

        var copies = new byte[psks.Count][];
        for (int i = 0; i < copies.Length; i++)
        {
            copies[i] = (byte[])psks[i].Clone();
        }

        return copies;
    }

    private void Validate()
    {
        bool usesOwnStatic = false;
        bool needsRemoteStaticUpFront = false;
        int pskCount = 0;
        NoiseToken[] ownPre = _initiator ? _pattern.InitiatorPreMessageTokens : _pattern.ResponderPreMessageTokens;
        NoiseToken[] remotePre = _initiator ? _pattern.ResponderPreMessageTokens : _pattern.InitiatorPreMessageTokens;
        foreach (NoiseToken[] pre in (ReadOnlySpan<NoiseToken[]>)[ownPre, remotePre])
        {
            if (Array.Exists(pre, token => token != NoiseToken.S))
            {
                throw new NotSupportedException("Only static keys are supported in pre-messages.");
            }
        }

        usesOwnStatic |= ownPre.Length > 0;
        needsRemoteStaticUpFront |= remotePre.Length > 0;
        for (int i = 0; i < _pattern.MessageTokens.Length; i++)
        {
            bool sentByInitiator = i % 2 == 0;
            foreach (NoiseToken token in _pattern.MessageTokens[i])
            {
                usesOwnStatic |= token switch
                {
                    NoiseToken.S => sentByInitiator == _initiator,
                    NoiseToken.SS => true,
                    NoiseToken.ES => !_initiator,
                    NoiseToken.SE => _initiator,
                    _ => false,
                };
                pskCount += token == NoiseToken.Psk ? 1 : 0;
            }
        }

        if (usesOwnStatic && _s is null)
        {
            throw new ArgumentException($"Pattern {_pattern.Name} needs this side's static key pair.");
        }

        if (needsRemoteStaticUpFront && _rs is null)
        {
            throw new ArgumentException($"Pattern {_pattern.Name} needs the peer's static public key up front.");
        }

        if (_psks.Length != pskCount || Array.Exists(_psks, p => p.Length != PskLength))
        {
            throw new ArgumentException($"Pattern {_pattern.Name} needs {pskCount} pre-shared keys of {PskLength} bytes.");
        }
    }

    private ReadOnlySpan<byte> PreMessageKey(NoiseToken token, bool ofInitiator)
    {
        _ = token; // Validate() admits only "s" in pre-messages.
        return ofInitiator == _initiator ? _s!.PublicKey : _rs;
    }

    // Bytes the tokens add before the payload, and the payload's tag (present once a key exists).
    // Simulates how HasKey evolves through the message so lengths are known before any state changes.
    private (int Overhead, int PayloadTag) MessageOverhead(NoiseToken[] tokens)
    {
        bool hasKey = _symmetric.HasKey;
        int overhead = 0;
        foreach (NoiseToken token in tokens)
        {
            switch (token)
            {
                case NoiseToken.E:
                    overhead += DhLength;
                    hasKey |= _pattern.HasPsk;
                    break;
                case NoiseToken.S:
                    overhead += DhLength + (hasKey ? TagSize : 0);
                    break;
                default:
                    hasKey = true;
                    break;
            }
        }

        return (overhead, hasKey ? TagSize : 0);
    }

    // §5.3 DH tokens ("es" is always initiator-ephemeral with responder-static, and so on) and psk.
    private void MixToken(NoiseToken token)
    {
        switch (token)
        {
            case NoiseToken.EE:
                MixDh(_e, _re);
                break;
            case NoiseToken.ES:
                if (_initiator)
                {
                    MixDh(_e, _rs);
                }
                else
                {
                    MixDh(_s, _re);
                }

                break;
            case NoiseToken.SE:
                if (_initiator)
                {
                    MixDh(_s, _re);
                }
                else
                {
                    MixDh(_e, _rs);
                }

                break;
            case NoiseToken.SS:
                MixDh(_s, _rs);
                break;
            case NoiseToken.Psk:
                _symmetric.MixKeyAndHash(_psks[_pskIndex++]);
                break;
            default:
                throw new InvalidOperationException($"Unexpected token {token}.");
        }
    }

    private void MixDh(KeyPair? local, byte[]? remote)
    {
        if (local is null || remote is null)
        {
            throw new InvalidOperationException("A DH token refers to a key this side does not have.");
        }

        Span<byte> shared = stackalloc byte[DhLength];
        try
        {
            _dh.Dh(local.PrivateKey, remote, shared);

            // Every INoiseDh must refuse an all-zero result; checked here too so that no
            // implementation can let a low-order peer key through.
            if (!shared.ContainsAnyExcept((byte)0))
            {
                throw new NoiseException("X25519 produced an all-zero shared secret (low-order public key).");
            }

            _symmetric.MixKey(shared);
        }
        finally
        {
            shared.Clear();
        }
    }

    private void Advance()
    {
        _messageIndex++;
        if (IsHandshakeComplete)
        {
            // The ephemeral private key has done its work; keeping it only widens the exposure.
            WipeEphemeral();
        }
    }

    private void WipeEphemeral()
    {
        if (_ownsEphemeral)
        {
            _e?.Dispose();
            _ownsEphemeral = false;
        }
    }

    private void EnsureUsable()
    {
        if (_failed)
        {
            throw new NoiseException("This handshake already failed and cannot continue.");
        }
    }
}
