using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;

namespace Vigil.Agent;

/// <summary>The agent's end of one established relay link, over one TCP connection.</summary>
internal sealed class AgentSession : LinkSession
{
    private readonly TcpConnection _connection;
    private readonly AgentContext _context;
    private readonly TaskCompletionSource<ControlMessage> _helloOk = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AgentSession(TcpConnection connection, CipherState send, CipherState receive, AgentContext context)
        : base(send, receive, new LinkOptions { MaxStreams = 8 }, isInitiator: true)
    {
        _connection = connection;
        _context = context;
    }

    /// <summary>The relay's "go away" if it sent one before closing.</summary>
    public ControlMessage? GoAway { get; private set; }

    public Task<ControlMessage> HelloOk => _helloOk.Task;

    /// <summary>The camera's own address on the way out, for the operator.</summary>
    public string? LocalAddress => _connection.LocalAddress;

    /// <summary>A blocking send, under the session's write lock.</summary>
    protected override ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        _connection.Send(frame.Span);
        return default;
    }

    protected override void OnClosed(string reason)
    {
        _helloOk.TrySetException(new LinkClosedException(reason));
        // Wakes the reader's blocking receive; the descriptor closes once it has returned.
        _connection.Dispose();
    }

    /// <summary>Sends the media stats (a "stats" message) without waiting; a closed link drops them.</summary>
    public void SendStats(byte[] json)
    {
        if (!IsClosed)
        {
            SendControlInBackground(new ControlMessage { Type = ControlMessage.Stats, Body = json }.ToJson());
        }
    }

    public void SendMediaRefused(string codec, string reason)
    {
        if (!IsClosed)
        {
            SendControlInBackground(new ControlMessage { Type = ControlMessage.MediaRefused, Name = codec, Reason = reason }.ToJson());
        }
    }

    /// <summary>Reads frames on a thread of its own until the link closes; the task gives the reason it closed.</summary>
    public Task<string> ReadLoopAsync() => BackgroundThread.Run("link-read", ReadLoop);

    private string ReadLoop()
    {
        var buffer = new byte[LinkFraming.MaxFrameLength];
        try
        {
            while (!IsClosed)
            {
                _connection.ReceiveExactly(buffer.AsSpan(0, LinkFraming.HeaderLength));
                var length = LinkFraming.ReadHeader(buffer);
                if (length < LinkFraming.MinTransportLength)
                {
                    throw new LinkProtocolException("short_frame");
                }
                _connection.ReceiveExactly(buffer.AsSpan(0, length));
                // The agent's handlers complete at once (answers go out in the background), so this
                // does not hold the thread.
                ProcessFrameAsync(buffer.AsMemory(0, length)).AsTask().GetAwaiter().GetResult();
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
        TcpConnection local;
        try
        {
            local = TcpConnection.Connect(IPAddress.Loopback, stream.Port, 5000, CancellationToken.None);
        }
        catch (SocketException e)
        {
            // Out of descriptors (EMFILE) or nothing listening: the stream is refused, never left waiting.
            Log.Warn($"refused tunnel {stream.Id} to local port {stream.Port}: {e.Message}");
            stream.Refuse(MuxError.ConnectFailed, $"cannot connect to local port {stream.Port}");
            return;
        }
        using var owned = local;
        Log.Info($"tunnel {stream.Id} open to local port {stream.Port}");
        try
        {
            await stream.AcceptAsync().ConfigureAwait(false);
            var up = BackgroundThread.Run("tunnel-up", () => PumpUp(local, stream));
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

    // Failures of the local connection are wrapped as NetworkStream wrapped them, so that the
    // tunnel's end is logged the same way.

    /// <summary>Camera to relay, on a thread of its own: the local connection into the stream, then half-close the stream.</summary>
    private static bool PumpUp(TcpConnection from, MuxStream to)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = from.Receive(buffer);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new IOException($"net_io_readfailure, {e.Message}", e);
            }
            if (n == 0)
            {
                break;
            }
            to.Write(buffer, 0, n);
        }
        to.ShutdownWriteAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }

    /// <summary>Relay to camera: the stream into the local connection, then half-close it.</summary>
    private static async Task PumpDownAsync(MuxStream from, TcpConnection to)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            try
            {
                to.Send(buffer.AsSpan(0, n));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new IOException($"net_io_writefailure, {e.Message}", e);
            }
        }
        to.ShutdownSend();
    }
}
