using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Protocol.Tests;

/// <summary>What a <see cref="MemorySession"/> does when the peer opens a stream.</summary>
internal enum ServeMode
{
    /// <summary>The library's default: refuse with PortNotAllowed.</summary>
    Default,

    /// <summary>Refuse with <see cref="MemorySession.RefuseCode"/> and <see cref="MemorySession.RefuseReason"/>.</summary>
    Refuse,

    /// <summary>Accept and copy everything read back to the peer; half-close when the peer does.</summary>
    Echo,

    /// <summary>Accept and hand the stream to the test through <see cref="MemorySession.Accepted"/>.</summary>
    Hold,

    /// <summary>Hand the stream to the test unanswered (neither accepted nor refused).</summary>
    Pending,
}

/// <summary>
/// Two <see cref="LinkSession"/>s joined in memory after a real Noise IK handshake: the initiator
/// uses the managed ChaChaPoly like the agent, the responder the platform one like the relay. Each
/// direction is an ordered queue of frame bodies read by one task per side. A test can rewrite the
/// traffic of a direction in plaintext (drop, duplicate, alter or inject mux frames: they are
/// re-encrypted for the receiver, so they pass the tag and reach the mux) or as ciphertext.
/// </summary>
internal sealed class MemoryLink : IAsyncDisposable
{
    private MemoryLink(MemorySession initiator, MemorySession responder)
    {
        Initiator = initiator;
        Responder = responder;
    }

    public MemorySession Initiator { get; }
    public MemorySession Responder { get; }

    /// <summary>
    /// A link whose transport keys are random rather than agreed by a handshake: the sessions behave
    /// exactly the same, and the fuzz tests need thousands of fresh links.
    /// </summary>
    public static MemoryLink CreateWithoutHandshake(Random random, LinkOptions? options = null)
    {
        options ??= new LinkOptions();
        var k1 = new byte[32];
        var k2 = new byte[32];
        random.NextBytes(k1);
        random.NextBytes(k2);
        CipherState Cipher(INoiseAeadFactory f, byte[] key)
        {
            var c = new CipherState(f);
            c.InitializeKey(key);
            return c;
        }
        var i = new MemorySession(Cipher(ManagedChaChaPolyFactory.Instance, k1), Cipher(ManagedChaChaPolyFactory.Instance, k2), options, isInitiator: true, "initiator", k1);
        var r = new MemorySession(Cipher(NativeChaChaPolyFactory.Instance, k2), Cipher(NativeChaChaPolyFactory.Instance, k1), options, isInitiator: false, "responder", k2);
        i.Connect(r);
        r.Connect(i);
        return new MemoryLink(i, r);
    }

    public static MemoryLink Create(LinkOptions? options = null, LinkOptions? responderOptions = null)
    {
        options ??= new LinkOptions();
        using var agentStatic = KeyPair.Generate();
        using var relayStatic = KeyPair.Generate();
        var preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);

        var agentAead = new KeyCapturingFactory(ManagedChaChaPolyFactory.Instance);
        var relayAead = new KeyCapturingFactory(NativeChaChaPolyFactory.Instance);
        using var initiator = LinkHandshake.CreateInitiator(agentStatic, relayStatic.PublicKey, preamble, agentAead);
        using var responder = LinkHandshake.CreateResponder(relayStatic, preamble, relayAead);

        var message = new byte[LinkFraming.MaxHandshakeLength];
        var payload = new byte[LinkFraming.MaxHandshakeLength];
        var n = initiator.WriteMessage([], message);
        responder.ReadMessage(message.AsSpan(0, n), payload);
        n = responder.WriteMessage([], message);
        initiator.ReadMessage(message.AsSpan(0, n), payload);

        var (iSend, iReceive) = initiator.Split();
        var (rSend, rReceive) = responder.Split();
        // Split makes c1 (initiator to responder) then c2: the last two keys each factory saw.
        var k1 = agentAead.Keys[^2];
        var k2 = agentAead.Keys[^1];
        Assert.That(relayAead.Keys[^2], Is.EqualTo(k1), "both sides must derive the same transport keys");

        var i = new MemorySession(iSend, iReceive, options, isInitiator: true, "initiator", k1);
        var r = new MemorySession(rSend, rReceive, responderOptions ?? options, isInitiator: false, "responder", k2);
        i.Connect(r);
        r.Connect(i);
        return new MemoryLink(i, r);
    }

    public async ValueTask DisposeAsync()
    {
        Initiator.Close("test_done");
        Responder.Close("test_done");
        await Task.WhenAll(Initiator.ReaderTask, Responder.ReaderTask).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Records the keys a handshake hands its factory, so the harness can speak for a side.</summary>
    private sealed class KeyCapturingFactory(INoiseAeadFactory inner) : INoiseAeadFactory
    {
        public List<byte[]> Keys { get; } = [];

        public INoiseAead Create(ReadOnlySpan<byte> key32)
        {
            Keys.Add(key32.ToArray());
            return inner.Create(key32);
        }
    }
}

internal sealed class MemorySession : LinkSession
{
    private readonly Channel<byte[]> _inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _protocolError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _wire = new(1, 1);

    // This side's sending key, twice: one to read what the session wrote, one to write what the
    // peer receives. Their nonces part when a test drops or injects frames.
    private readonly CipherState _sessionView = new(ManagedChaChaPolyFactory.Instance);
    private readonly CipherState _wireSeal = new(ManagedChaChaPolyFactory.Instance);
    private MemorySession? _peer;

    public MemorySession(CipherState send, CipherState receive, LinkOptions options, bool isInitiator, string name, byte[] sendKey)
        : base(send, receive, options, isInitiator)
    {
        Name = name;
        _sessionView.InitializeKey(sendKey);
        _wireSeal.InitializeKey(sendKey);
    }

    public string Name { get; }

    public Task ReaderTask { get; private set; } = Task.CompletedTask;

    /// <summary>Completes with the reason the session closed.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>Completes with the reason of the <see cref="LinkProtocolException"/> that ended the read loop.</summary>
    public Task<string> ProtocolError => _protocolError.Task;

    /// <summary>Any other exception that escaped ProcessFrameAsync (a bug).</summary>
    public ConcurrentQueue<Exception> UnexpectedErrors { get; } = new();

    public Channel<ControlMessage> Controls { get; } = Channel.CreateUnbounded<ControlMessage>();

    public Channel<MuxStream> Accepted { get; } = Channel.CreateUnbounded<MuxStream>();

    public ServeMode Serve { get; set; }
    public MuxError RefuseCode { get; set; } = MuxError.PortNotAllowed;
    public string RefuseReason { get; set; } = "refused by the test";

    /// <summary>Rewrites each outgoing mux frame (plaintext); the frames returned go out in order.</summary>
    public Func<byte[], IEnumerable<byte[]>>? PlaintextFilter { get; set; }

    /// <summary>Rewrites each outgoing frame body (ciphertext and tag) after encryption.</summary>
    public Func<byte[], IEnumerable<byte[]>>? CiphertextFilter { get; set; }

    /// <summary>When set, writes wait for it: the session's write lock stays held meanwhile.</summary>
    public TaskCompletionSource? WriteGate { get; set; }

    /// <summary>Writes waiting on <see cref="WriteGate"/>.</summary>
    public int GateWaiters => Volatile.Read(ref _gateWaiters);
    private int _gateWaiters;

    /// <summary>Frames processed by this side's reader.</summary>
    public long FramesProcessed => Interlocked.Read(ref _framesProcessed);
    private long _framesProcessed;

    /// <summary>When false, this side's reader drops what arrives without processing it.</summary>
    public bool Processing { get; set; } = true;

    public void Connect(MemorySession peer)
    {
        _peer = peer;
        ReaderTask = Task.Run(ReadLoopAsync);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await foreach (var body in _inbox.Reader.ReadAllAsync())
            {
                if (!Processing)
                {
                    continue;
                }
                await ProcessFrameAsync(body);
                Interlocked.Increment(ref _framesProcessed);
            }
            Close("peer_closed");
        }
        catch (LinkProtocolException e)
        {
            _protocolError.TrySetResult(e.Reason);
            Close(e.Reason);
        }
        catch (Exception e)
        {
            UnexpectedErrors.Enqueue(e);
            Close("unexpected_exception");
        }
        finally
        {
            ReleaseReader();
        }
    }

    protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (WriteGate is { } gate)
        {
            // Like a socket or a pipe, a write blocked on the transport honours cancellation.
            Interlocked.Increment(ref _gateWaiters);
            try
            {
                await gate.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _gateWaiters);
            }
        }
        Assert.That(LinkFraming.ReadHeader(frame.Span), Is.EqualTo(frame.Length - LinkFraming.HeaderLength), "the length prefix");
        // The frame buffer is pooled: copy before it leaves the call.
        var body = frame[LinkFraming.HeaderLength..].ToArray();
        await _wire.WaitAsync(CancellationToken.None);
        try
        {
            if (PlaintextFilter is null && _sessionView.Nonce == _wireSeal.Nonce)
            {
                _sessionView.SetNonce(_sessionView.Nonce + 1);
                _wireSeal.SetNonce(_wireSeal.Nonce + 1);
                Deliver(body);
                return;
            }
            var plain = new byte[body.Length - LinkFraming.TagLength];
            _sessionView.DecryptWithAd(default, body, plain);
            foreach (var p in PlaintextFilter?.Invoke(plain) ?? [plain])
            {
                DeliverPlain(p);
            }
        }
        finally
        {
            _wire.Release();
        }
    }

    /// <summary>Sends a hand-made mux frame (plaintext) to the peer, encrypted with this side's key in nonce order.</summary>
    public async Task InjectAsync(byte[] plaintext)
    {
        await _wire.WaitAsync();
        try
        {
            DeliverPlain(plaintext);
        }
        finally
        {
            _wire.Release();
        }
    }

    /// <summary>
    /// Encrypts a hand-made mux frame as this side's next frame on the wire, for the test to hand to
    /// the peer's <see cref="LinkSession.ProcessFrameAsync"/> itself (nothing is delivered).
    /// </summary>
    public byte[] Seal(byte[] plaintext)
    {
        _wire.Wait();
        try
        {
            var body = new byte[plaintext.Length + LinkFraming.TagLength];
            _wireSeal.EncryptWithAd(default, plaintext, body);
            return body;
        }
        finally
        {
            _wire.Release();
        }
    }

    /// <summary>Sends raw bytes as a frame body to the peer, bypassing encryption.</summary>
    public async Task InjectRawAsync(byte[] body)
    {
        await _wire.WaitAsync();
        try
        {
            _peer!._inbox.Writer.TryWrite(body);
        }
        finally
        {
            _wire.Release();
        }
    }

    private void DeliverPlain(byte[] plain)
    {
        var body = new byte[plain.Length + LinkFraming.TagLength];
        _wireSeal.EncryptWithAd(default, plain, body);
        Deliver(body);
    }

    private void Deliver(byte[] body)
    {
        foreach (var b in CiphertextFilter?.Invoke(body) ?? [body])
        {
            _peer!._inbox.Writer.TryWrite(b);
        }
    }

    protected override void OnClosed(string reason)
    {
        _closed.TrySetResult(reason);
        // Like a socket: the peer reads to the end of what was sent, then sees the close.
        _peer?._inbox.Writer.TryComplete();
        _inbox.Writer.TryComplete();
    }

    protected override ValueTask OnControlAsync(ReadOnlyMemory<byte> json)
    {
        ControlMessage message;
        try
        {
            message = ControlMessage.Parse(json.Span);
        }
        catch (ControlFormatException)
        {
            throw new LinkProtocolException("bad_control");
        }
        Controls.Writer.TryWrite(message);
        return default;
    }

    protected override void OnStreamRequested(MuxStream stream)
    {
        switch (Serve)
        {
            case ServeMode.Default:
                base.OnStreamRequested(stream);
                break;
            case ServeMode.Refuse:
                stream.Refuse(RefuseCode, RefuseReason);
                break;
            case ServeMode.Echo:
                _ = EchoAsync(stream);
                break;
            case ServeMode.Hold:
                _ = HoldAsync(stream);
                break;
            case ServeMode.Pending:
                Accepted.Writer.TryWrite(stream);
                break;
        }
    }

    private async Task HoldAsync(MuxStream stream)
    {
        try
        {
            await stream.AcceptAsync();
            Accepted.Writer.TryWrite(stream);
        }
        catch (IOException)
        {
        }
    }

    private static async Task EchoAsync(MuxStream stream)
    {
        try
        {
            await stream.AcceptAsync();
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, n));
            }
            await stream.ShutdownWriteAsync();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A mux frame's plaintext.</summary>
    public static byte[] Frame(MuxFrameType type, uint streamId, ReadOnlySpan<byte> body)
    {
        var plain = new byte[MuxFrame.HeaderLength + body.Length];
        MuxFrame.WriteHeader(plain, type, streamId);
        body.CopyTo(plain.AsSpan(MuxFrame.HeaderLength));
        return plain;
    }

    public static byte[] OpenFrame(uint streamId, ushort port)
    {
        Span<byte> body = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(body, port);
        return Frame(MuxFrameType.Open, streamId, body);
    }
}
