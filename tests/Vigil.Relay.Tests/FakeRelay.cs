using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Relay.Tests;

/// <summary>
/// The relay's side of the link driven by a test, to make the real agent face what a healthy
/// vigil-relay never does: a request for a port it does not allow, a relay that falls silent.
/// It runs the real handshake and framing of the protocol library; only its behaviour is scripted.
/// </summary>
internal sealed class FakeRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<Session> _sessions = Channel.CreateUnbounded<Session>();
    private readonly Task _accepting;

    public FakeRelay()
    {
        Key = KeyPair.Generate();
        _listener.Start();
        _accepting = AcceptLoop();
    }

    public KeyPair Key { get; }
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>When set, the relay stops answering pings (and sends nothing): a half-open link.</summary>
    public bool Silent { get; set; }

    public int Accepted => _accepted;
    private int _accepted;

    public async Task<Session> NextSessionAsync(TimeSpan timeout) => await _sessions.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(async () =>
            {
                try
                {
                    var session = await Session.AcceptAsync(socket, this);
                    await _sessions.Writer.WriteAsync(session);
                }
                catch (Exception e) when (e is IOException or SocketException or NoiseException or LinkProtocolException)
                {
                    socket.Dispose();
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    internal sealed class Session : LinkSession
    {
        private readonly Socket _socket;
        private readonly FakeRelay _relay;

        private Session(Socket socket, CipherState send, CipherState receive, FakeRelay relay)
            : base(send, receive, new LinkOptions(), isInitiator: false)
        {
            _socket = socket;
            _relay = relay;
        }

        public TaskCompletionSource<ControlMessage> Hello { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<string> Completion { get; private set; } = Task.FromResult("");

        public static async Task<Session> AcceptAsync(Socket socket, FakeRelay relay)
        {
            var preamble = new byte[LinkPreamble.Length];
            await SocketIo.ReceiveExactlyAsync(socket, preamble);
            var message = await HandshakeFrame.ReadMessageAsync(socket);
            var hs = LinkHandshake.CreateResponder(relay.Key, preamble, NativeChaChaPolyFactory.Instance);
            hs.ReadMessage(message, new byte[HandshakeFrame.MaxMessageLength]);
            var reply = new byte[HandshakeFrame.MaxFrameLength];
            await socket.SendAsync(reply.AsMemory(0, HandshakeFrame.WriteMessage(hs, reply)));
            var (send, receive) = hs.Split();
            var session = new Session(socket, send, receive, relay);
            session.Completion = session.ReadLoop();
            return session;
        }

        private async Task<string> ReadLoop()
        {
            var header = new byte[2];
            try
            {
                while (!IsClosed)
                {
                    await SocketIo.ReceiveExactlyAsync(_socket, header);
                    var frame = new byte[LinkFraming.ReadHeader(header)];
                    await SocketIo.ReceiveExactlyAsync(_socket, frame);
                    if (_relay.Silent)
                    {
                        continue; // read and drop: the agent sees a relay that never answers
                    }
                    await ProcessFrameAsync(frame);
                }
            }
            catch (LinkProtocolException e)
            {
                Close(e.Reason);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Close("agent_closed");
            }
            return CloseReason ?? "closed";
        }

        protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            await SocketIo.SendAllAsync(_socket, frame, cancellationToken);
        }

        protected override void OnClosed(string reason) => _socket.Dispose();

        protected override async ValueTask OnControlAsync(ReadOnlyMemory<byte> json)
        {
            var message = ControlMessage.Parse(json.Span);
            if (message.Type == ControlMessage.Hello)
            {
                Hello.TrySetResult(message);
                var ok = new ControlMessage { Type = ControlMessage.HelloOk, Node = "fake", SessionId = "s", HeartbeatIntervalMs = 500, HeartbeatTimeoutMs = 2000, State = "connected" };
                await SendControlAsync(ok.ToJson());
            }
        }
    }
}
