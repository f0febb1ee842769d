using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;

namespace Vigil.LoadTool;

/// <summary>
/// A simulated agent: the real handshake, hello, heartbeats, commands and tunnels, with the memory
/// of an idle session kept small (no read buffer is held while the socket is quiet), so one
/// process can hold tens of thousands against a relay.
/// </summary>
public sealed class SimAgent : LinkSession
{
    private readonly Socket _socket;
    private readonly IReadOnlyCollection<int> _tunnelPorts;
    private readonly TaskCompletionSource<ControlMessage> _helloOk = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SimAgent(Socket socket, CipherState send, CipherState receive, IReadOnlyCollection<int> tunnelPorts)
        : base(send, receive, new LinkOptions { MaxStreams = 8 }, isInitiator: true)
    {
        _socket = socket;
        _tunnelPorts = tunnelPorts;
    }

    public Task<ControlMessage> HelloOk => _helloOk.Task;

    /// <summary>The relay's "go away" if one came.</summary>
    public ControlMessage? GoAway { get; private set; }

    /// <summary>Completes when the link closes, with the reason.</summary>
    public Task<string> Completion { get; private set; } = Task.FromResult("not started");

    public int CommandsAnswered => _commandsAnswered;
    private int _commandsAnswered;

    /// <summary>The args of the last "assign" command ({"name","source","target","token"}), as JSON, or null.</summary>
    public string? Assignment { get; private set; }

    /// <summary>What this agent received of a release push.</summary>
    public SimReleaseSink Release { get; } = new();

    /// <summary>
    /// Dials, runs the handshake and the hello, and starts the read loop. <paramref name="dh"/> null
    /// means the managed X25519 (as the real agent); the load tool passes OpenSSL's so that the
    /// generator's own handshakes take less of the CPU it shares with the relay.
    /// </summary>
    public static async Task<SimAgent> ConnectAsync(EndPoint relay, ReadOnlyMemory<byte> relayKey, KeyPair key, INoiseAeadFactory aead,
        string serial, IReadOnlyCollection<int>? tunnelPorts = null, CancellationToken ct = default, INoiseDh? dh = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(relay, ct).ConfigureAwait(false);
            var (send, receive) = await LinkDialer.HandshakeAsync(socket, relayKey, key, aead, dh, ct).ConfigureAwait(false);
            var agent = new SimAgent(socket, send, receive, tunnelPorts ?? []);
            agent.Completion = agent.ReadLoopAsync();
            var hello = new ControlMessage { Type = ControlMessage.Hello, Serial = serial, Model = "simulated", AgentVersion = "sim", TunnelPorts = [.. tunnelPorts ?? []] };
            await agent.SendControlAsync(hello.ToJson(), ct).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        await SocketIo.SendAllAsync(_socket, frame, cancellationToken).ConfigureAwait(false);

    protected override void OnClosed(string reason)
    {
        _helloOk.TrySetException(new LinkClosedException(reason));
        _socket.Dispose();
    }

    private async Task<string> ReadLoopAsync()
    {
        var header = new byte[LinkFraming.HeaderLength];
        try
        {
            while (!IsClosed)
            {
                await SocketIo.ReceiveExactlyAsync(_socket, header, default).ConfigureAwait(false);
                var length = LinkFraming.ReadHeader(header);
                var frame = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    await SocketIo.ReceiveExactlyAsync(_socket, frame.AsMemory(0, length), default).ConfigureAwait(false);
                    await ProcessFrameAsync(frame.AsMemory(0, length)).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }
            }
        }
        catch (LinkProtocolException e)
        {
            Close(e.Reason);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close("connection_lost");
        }
        finally
        {
            ReleaseReader();
        }
        return CloseReason ?? "closed";
    }

    protected override ValueTask OnControlAsync(ReadOnlyMemory<byte> json)
    {
        var message = ControlMessage.Parse(json.Span);
        switch (message.Type)
        {
            case ControlMessage.HelloOk:
                _helloOk.TrySetResult(message);
                break;
            case ControlMessage.GoAway:
                GoAway = message;
                Close("goaway");
                break;
            case ControlMessage.Command:
                if (message.Name == "assign" && message.Body is { } args)
                {
                    Assignment = System.Text.Encoding.UTF8.GetString(args);
                }
                var result = new ControlMessage { Type = ControlMessage.Result, Id = message.Id, Ok = true, Body = Release.Answer(message) ?? message.Body ?? "{}"u8.ToArray() };
                Interlocked.Increment(ref _commandsAnswered);
                SendControlInBackground(result.ToJson());
                break;
        }
        return default;
    }

    protected override void OnStreamRequested(MuxStream stream)
    {
        if (!_tunnelPorts.Contains(stream.Port))
        {
            stream.Refuse(MuxError.PortNotAllowed, "port not allowed");
            return;
        }
        _ = StreamPump.ServeLocalPortAsync(stream);
    }
}
