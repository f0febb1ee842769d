using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using LinkOptions = Vigil.Protocol.Link.LinkOptions;

namespace Vigil.Relay.Agents;

/// <summary>The relay's end of one agent's link, over the Kestrel connection that carries it.</summary>
public sealed class RelaySession : LinkSession
{
    private const int MaxHelloField = 256;
    private readonly ConnectionContext _connection;
    private readonly PipeWriter _output;
    private readonly RelayNode _node;
    private readonly object _pendingGate = new();
    private Dictionary<long, TaskCompletionSource<ControlMessage>>? _pending;
    private long _nextCommandId;

    public RelaySession(ConnectionContext connection, CipherState send, CipherState receive, RelayNode node, ReadOnlySpan<byte> agentStaticKey)
        : base(send, receive, new LinkOptions
        {
            MaxStreams = node.Options.MaxStreamsPerSession,
            MaxQueuedFrames = node.Options.MaxQueuedFramesPerSession,
            MaxQueuedBytes = node.Options.MaxQueuedBytesPerSession,
        }, isInitiator: false)
    {
        _connection = connection;
        _output = connection.Transport.Output;
        _node = node;
        PublicKey = agentStaticKey.ToArray();
        DeviceId = DeviceIdentity.DeviceId(agentStaticKey);
        ConnectedAt = DateTimeOffset.UtcNow;
        SessionId = Guid.NewGuid().ToString("N");
    }

    public string DeviceId { get; }
    public byte[] PublicKey { get; }
    public string SessionId { get; }
    public DateTimeOffset ConnectedAt { get; }
    public string? RemoteAddress => _connection.RemoteEndPoint?.ToString();

    /// <summary>The agent's public address without its port or an IPv4-mapped prefix: what the portal records.</summary>
    public string? RemoteHost => (_connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address is { } a
        ? (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToString()
        : null;

    /// <summary>The agent's latest media stats (a JSON object, its "stats" message), or null.</summary>
    public byte[]? MediaStats { get; private set; }

    public DateTimeOffset? MediaStatsAt { get; private set; }

    /// <summary>What the agent said of itself; null until its hello arrives.</summary>
    public ControlMessage? Hello { get; private set; }

    /// <summary>Sends a command and waits for the agent's result. Returns the result and the round trip.</summary>
    public async Task<(ControlMessage Result, TimeSpan RoundTrip)> SendCommandAsync(string name, byte[]? args, TimeSpan timeout, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextCommandId);
        var waiter = new TaskCompletionSource<ControlMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pendingGate)
        {
            (_pending ??= [])[id] = waiter;
        }
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var command = new ControlMessage { Type = ControlMessage.Command, Id = id, Name = name, Body = args };
            await SendControlAsync(command.ToJson(), ct).ConfigureAwait(false);
            _node.Metrics.CommandSent();
            var result = await waiter.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
            return (result, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            lock (_pendingGate)
            {
                _pending!.Remove(id);
            }
        }
    }

    public async Task SendGoAwayAsync(int retryAfterSeconds, IReadOnlyList<string> nodes, string reason)
    {
        var message = new ControlMessage { Type = ControlMessage.GoAway, RetryAfterSeconds = retryAfterSeconds, Nodes = nodes, Reason = reason };
        try
        {
            await SendControlAsync(message.ToJson()).ConfigureAwait(false);
        }
        catch (LinkClosedException)
        {
        }
    }

    protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var result = await _output.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("the agent's connection is closed");
        }
        _node.Metrics.Sent(frame.Length);
    }

    protected override void OnClosed(string reason)
    {
        lock (_pendingGate)
        {
            foreach (var waiter in _pending?.Values ?? Enumerable.Empty<TaskCompletionSource<ControlMessage>>())
            {
                waiter.TrySetException(new LinkClosedException(reason));
            }
        }
        if (reason is "send_queue_full" or "write_stalled")
        {
            RelayLog.PeerAbuse(_node.Logger, DeviceId, RemoteAddress, reason);
            _node.Reclaimer.AbuseClosed();
        }
        if (Hello is not null)
        {
            _node.Metrics.SessionClosed(reason);
            _node.Registry.Remove(this);
            RelayLog.SessionClosed(_node.Logger, DeviceId, reason);
        }
        _connection.Abort(new ConnectionAbortedException(reason));
    }

    protected override async ValueTask OnControlAsync(ReadOnlyMemory<byte> json)
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
        if (Hello is null)
        {
            if (message.Type != ControlMessage.Hello)
            {
                throw new LinkProtocolException("no_hello");
            }
            if (TooLong(message.Serial) || TooLong(message.Model) || TooLong(message.Firmware) || TooLong(message.AgentVersion) || TooLong(message.Rid)
                || TooLong(message.LocalAddress) || TooLong(message.Camera) || TooLong(message.EnrollToken))
            {
                throw new LinkProtocolException("bad_hello");
            }
            Hello = message;
            var ok = new ControlMessage
            {
                Type = ControlMessage.HelloOk,
                Node = _node.Options.NodeId,
                SessionId = SessionId,
                HeartbeatIntervalMs = (int)_node.Options.HeartbeatInterval.TotalMilliseconds,
                HeartbeatTimeoutMs = (int)_node.Options.HeartbeatTimeout.TotalMilliseconds,
                State = "connected",
            };
            await SendControlAsync(ok.ToJson()).ConfigureAwait(false);
            return;
        }
        switch (message.Type)
        {
            case ControlMessage.Result:
                TaskCompletionSource<ControlMessage>? waiter = null;
                lock (_pendingGate)
                {
                    _pending?.TryGetValue(message.Id, out waiter);
                }
                waiter?.TrySetResult(message);
                break;
            case ControlMessage.Hello:
                throw new LinkProtocolException("second_hello");
            case ControlMessage.Stats:
                // Kept as the agent sent it (the control message's size cap bounds it), only if an object.
                if (message.Body is [(byte)'{', ..] body)
                {
                    MediaStats = body;
                    MediaStatsAt = DateTimeOffset.UtcNow;
                }
                break;
            case ControlMessage.MediaRefused when message.Name is { Length: > 0 and <= 32 } codec:
                // Told once per session; the reason is cut to what a page shows.
                var reason = message.Reason ?? "";
                _node.Registry.Observer?.MediaRefused(this, codec, reason.Length > 300 ? reason[..300] : reason);
                break;
            default:
                // Newer agents may send kinds this relay does not know yet.
                break;
        }
    }

    private static bool TooLong(string? value) => value is { Length: > MaxHelloField };
}
