using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;

namespace Vigil.Agent;

/// <summary>The agent's end of one established relay link, over one TCP socket.</summary>
internal sealed class AgentSession : LinkSession
{
    private readonly Socket _socket;
    private readonly AgentContext _context;
    private readonly TaskCompletionSource<ControlMessage> _helloOk = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AgentSession(Socket socket, CipherState send, CipherState receive, AgentContext context)
        : base(send, receive, new LinkOptions { MaxStreams = 8 }, isInitiator: true)
    {
        _socket = socket;
        _context = context;
    }

    /// <summary>The relay's "go away" if it sent one before closing.</summary>
    public ControlMessage? GoAway { get; private set; }

    public Task<ControlMessage> HelloOk => _helloOk.Task;

    /// <summary>The camera's own address on the way out, for the operator.</summary>
    public string? LocalAddress => _socket.LocalEndPoint is IPEndPoint ep
        ? (ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address).ToString()
        : null;

    protected override ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        SocketIo.SendAllAsync(_socket, frame, cancellationToken);

    protected override void OnClosed(string reason)
    {
        _helloOk.TrySetException(new LinkClosedException(reason));
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }

    /// <summary>Reads frames until the link closes; returns the reason it closed.</summary>
    public async Task<string> ReadLoopAsync()
    {
        var buffer = new byte[LinkFraming.MaxFrameLength];
        try
        {
            while (!IsClosed)
            {
                await SocketIo.ReceiveExactlyAsync(_socket, buffer.AsMemory(0, LinkFraming.HeaderLength)).ConfigureAwait(false);
                var length = LinkFraming.ReadHeader(buffer);
                if (length < LinkFraming.MinTransportLength)
                {
                    throw new LinkProtocolException("short_frame");
                }
                await SocketIo.ReceiveExactlyAsync(_socket, buffer.AsMemory(0, length)).ConfigureAwait(false);
                await ProcessFrameAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
            }
        }
        catch (LinkProtocolException e)
        {
            Close(e.Reason);
        }
        catch (EndOfStreamException)
        {
            Close("relay_closed");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Close(IsClosed ? CloseReason ?? "closed" : "socket_error");
        }
        finally
        {
            ReleaseReader();
        }
        return CloseReason ?? "closed";
    }

    /// <summary>
    /// Sends a heartbeat when nothing arrived for an interval and closes the link when nothing arrived
    /// by the deadline: a half-open TCP connection is found from this side too.
    /// </summary>
    public async Task HeartbeatLoopAsync(TimeSpan interval, TimeSpan timeout, CancellationToken ct)
    {
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(interval.TotalMilliseconds / 4, 50, 1000));
        long lastPing = 0;
        try
        {
            while (!IsClosed)
            {
                await Task.Delay(tick, ct).ConfigureAwait(false);
                var now = Environment.TickCount64;
                var silent = now - LastReceivedTicks;
                if (silent > timeout.TotalMilliseconds)
                {
                    Log.Warn($"no frame from the relay for {silent} ms; closing the link");
                    Close("heartbeat_timeout");
                    return;
                }
                if (silent >= interval.TotalMilliseconds && now - lastPing >= interval.TotalMilliseconds)
                {
                    lastPing = now;
                    await SendPingAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (LinkClosedException)
        {
        }
    }

    protected override ValueTask OnControlAsync(ReadOnlyMemory<byte> json)
    {
        ControlMessage message;
        try
        {
            message = ControlMessage.Parse(json.Span);
        }
        catch (ControlFormatException e)
        {
            Log.Warn($"the relay sent a malformed control message: {e.Message}");
            throw new LinkProtocolException("bad_control");
        }
        switch (message.Type)
        {
            case ControlMessage.HelloOk:
                _helloOk.TrySetResult(message);
                break;
            case ControlMessage.GoAway:
                GoAway = message;
                Log.Info($"the relay asks to go away ({message.Reason ?? "no reason"}), retry after {message.RetryAfterSeconds} s, nodes: {string.Join(", ", message.Nodes)}");
                Close("goaway");
                break;
            case ControlMessage.Command:
                // The answer goes out on its own task so the read loop never waits on a full socket.
                SendControlInBackground(_context.Commands.Handle(message).ToJson());
                break;
            default:
                Log.Debug($"ignoring control message '{message.Type}'");
                break;
        }
        return default;
    }

    protected override void OnStreamRequested(MuxStream stream)
    {
        if (!_context.Config.TunnelPorts.Contains(stream.Port))
        {
            Log.Warn($"refused a tunnel to port {stream.Port}: not in tunnel_ports");
            stream.Refuse(MuxError.PortNotAllowed, $"port {stream.Port} is not in the agent's tunnel_ports");
            return;
        }
        _ = Task.Run(() => ServeTunnelAsync(stream));
    }

    /// <summary>Connects the stream to the camera's local port and copies both ways until both ends close.</summary>
    private static async Task ServeTunnelAsync(MuxStream stream)
    {
        Socket? socket = null;
        try
        {
            // Inside the try: out of descriptors (EMFILE), making the socket fails, and the stream
            // must still be refused rather than left waiting.
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, stream.Port), cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket?.Dispose();
            Log.Warn($"refused tunnel {stream.Id} to local port {stream.Port}: {e.Message}");
            stream.Refuse(MuxError.ConnectFailed, $"cannot connect to local port {stream.Port}");
            return;
        }
        using var local = socket;
        Log.Info($"tunnel {stream.Id} open to local port {stream.Port}");
        try
        {
            await stream.AcceptAsync().ConfigureAwait(false);
            var up = PumpUpAsync(local, stream);
            var down = PumpDownAsync(stream, local);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or LinkClosedException or ObjectDisposedException)
        {
            Log.Debug($"tunnel {stream.Id} ended: {e.Message}");
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            Log.Info($"tunnel {stream.Id} closed");
        }
    }

    // The pumps use the socket directly rather than through a NetworkStream, which only added its own
    // code to the binary. Socket failures are wrapped as NetworkStream wrapped them, so the tunnel's
    // end is logged the same way.

    /// <summary>Camera to relay: local socket into the stream, then half-close the stream.</summary>
    private static async Task PumpUpAsync(Socket from, MuxStream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new IOException($"net_io_readfailure, {e.Message}", e);
            }
            if (n == 0)
            {
                break;
            }
            await to.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
        }
        await to.ShutdownWriteAsync().ConfigureAwait(false);
    }

    /// <summary>Relay to camera: the stream into the local socket, then half-close the socket.</summary>
    private static async Task PumpDownAsync(MuxStream from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            try
            {
                await SocketIo.SendAllAsync(to, buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new IOException($"net_io_writefailure, {e.Message}", e);
            }
        }
        to.Shutdown(SocketShutdown.Send);
    }
}
