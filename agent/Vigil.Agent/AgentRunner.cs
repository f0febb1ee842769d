using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Agent;

/// <summary>What every part of a running agent shares.</summary>
internal sealed class AgentContext
{
    public AgentContext(AgentConfig config, KeyPair key)
    {
        Config = config;
        Key = key;
        DeviceId = DeviceIdentity.DeviceId(key.PublicKey);
        Status = new AgentStatus(config.StateDir, DeviceId);
        Commands = new AgentCommands(this);
        Media = new AgentMedia(this);
        Releases = new ReleaseDownload(this);
    }

    public AgentConfig Config { get; }
    public KeyPair Key { get; }
    public string DeviceId { get; }
    public AgentStatus Status { get; }
    public AgentCommands Commands { get; }
    public AgentMedia Media { get; }
    public ReleaseDownload Releases { get; }

    /// <summary>Cancelled to stop the agent: by SIGTERM or SIGINT, or to restart into a new release.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>What the process exits with once stopped: 0, or <see cref="ReleaseDownload.RestartExitCode"/>.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Stops the agent with <paramref name="exitCode"/> after a moment, so that the answer in hand reaches the relay first.</summary>
    public void RequestRestart(int exitCode)
    {
        ExitCode = exitCode;
        Stop.CancelAfter(TimeSpan.FromMilliseconds(500));
    }

    /// <summary>The relay link while one is up (stats go over it), else null.</summary>
    public AgentSession? Session { get; set; }
}

/// <summary>
/// Keeps the agent connected: dials the relays in turn, runs a session until it ends, and waits
/// with full-jitter exponential backoff between failures (reset only after a stable session), so
/// that thousands of cameras losing one relay do not come back in one wave.
/// </summary>
internal sealed class AgentRunner(AgentContext context)
{
    private static readonly INoiseAeadFactory Aead = new ManagedChaChaPolyFactory();
    private readonly AgentConfig _config = context.Config;
    private readonly List<RelayEndpoint> _candidates = [.. context.Config.Relays];
    private readonly Dictionary<RelayEndpoint, long> _notBefore = [];
    private int _next;

    public async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            var relay = PickRelay(out var wait);
            if (wait > TimeSpan.Zero)
            {
                await Delay(wait, ct).ConfigureAwait(false);
                continue;
            }
            context.Status.Set("connecting", relay.ToString());
            var started = Environment.TickCount64;
            string outcome;
            AgentSession? session = null;
            try
            {
                session = await ConnectAsync(relay, ct).ConfigureAwait(false);
                outcome = await RunSessionAsync(session, relay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is SocketException or IOException or NoiseException or LinkClosedException or OperationCanceledException or TimeoutException or ControlFormatException)
            {
                outcome = e is OperationCanceledException or TimeoutException ? "timeout" : e.Message;
                Log.Warn($"relay {relay}: {outcome}");
                context.Status.Set("disconnected", relay.ToString(), error: outcome);
            }
            if (ct.IsCancellationRequested)
            {
                break;
            }
            if (session?.GoAway is { } goAway)
            {
                ApplyGoAway(relay, goAway);
                // Other nodes are ready now; a little jitter spreads a drained relay's agents.
                await Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000)), ct).ConfigureAwait(false);
                continue;
            }
            if (Environment.TickCount64 - started >= _config.StableAfter.TotalMilliseconds && session is not null)
            {
                attempt = 0;
            }
            _next++;
            var delay = Backoff(attempt++);
            Log.Info($"reconnecting in {Tenths(delay)} s ({outcome})");
            await Delay(delay, ct).ConfigureAwait(false);
        }
        context.Status.Set("stopped");
    }

    /// <summary>Seconds with one decimal, rounded half up, as "0.0" formats them, without the floating-point formatter.</summary>
    internal static string Tenths(TimeSpan span)
    {
        var tenths = (span.Ticks + TimeSpan.TicksPerSecond / 20) / (TimeSpan.TicksPerSecond / 10);
        return $"{tenths / 10}.{tenths % 10}";
    }

    internal TimeSpan Backoff(int attempt) => Vigil.Agent.Backoff.FullJitter(attempt, _config.BackoffMin, _config.BackoffMax);

    private RelayEndpoint PickRelay(out TimeSpan wait)
    {
        var now = Environment.TickCount64;
        long earliest = long.MaxValue;
        for (var i = 0; i < _candidates.Count; i++)
        {
            var relay = _candidates[(_next + i) % _candidates.Count];
            var notBefore = _notBefore.GetValueOrDefault(relay);
            if (notBefore <= now)
            {
                _next = (_next + i) % _candidates.Count;
                wait = TimeSpan.Zero;
                return relay;
            }
            earliest = Math.Min(earliest, notBefore);
        }
        wait = TimeSpan.FromMilliseconds(earliest - now);
        return _candidates[0];
    }

    private void ApplyGoAway(RelayEndpoint relay, ControlMessage goAway)
    {
        _notBefore[relay] = Environment.TickCount64 + (long)Math.Max(1, goAway.RetryAfterSeconds) * 1000;
        var insertAt = 0;
        foreach (var hint in goAway.Nodes)
        {
            if (!RelayEndpoint.TryParse(hint, out var host, out var port))
            {
                continue;
            }
            var existing = _candidates.FindIndex(c => c.Host == host && c.Port == port);
            RelayEndpoint endpoint;
            if (existing >= 0)
            {
                endpoint = _candidates[existing];
                _candidates.RemoveAt(existing);
            }
            else if (_config.DefaultRelayKey is { } key)
            {
                // A hinted node is trusted only with the key pinned in the config.
                endpoint = new RelayEndpoint(host, port, key);
            }
            else
            {
                continue;
            }
            _candidates.Insert(Math.Min(insertAt++, _candidates.Count), endpoint);
        }
        _next = 0;
    }

    private async Task<AgentSession> ConnectAsync(RelayEndpoint relay, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_config.ConnectTimeout);
        var connection = await RelayDialer.ConnectAsync(relay, _config.Proxy, timeout.Token).ConfigureAwait(false);
        try
        {
            // The handshake reads block: the time limit (or the agent stopping) closes the connection under them.
            using var cancel = timeout.Token.Register(connection.Dispose);
            try
            {
                return Handshake(connection, relay);
            }
            catch (Exception e) when (timeout.IsCancellationRequested && e is SocketException or IOException or ObjectDisposedException)
            {
                throw new OperationCanceledException(timeout.Token);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private AgentSession Handshake(TcpConnection connection, RelayEndpoint relay)
    {
        var preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);
        var handshake = LinkHandshake.CreateInitiator(context.Key, relay.PublicKey, preamble, Aead);
        var message = new byte[HandshakeFrame.MaxInitiationLength];
        connection.Send(message.AsSpan(0, HandshakeFrame.WriteInitiation(handshake, preamble, message)));

        int replyLength;
        try
        {
            replyLength = HandshakeFrame.ReadMessage(connection.ReceiveExactly, message);
        }
        catch (LinkProtocolException e)
        {
            throw new IOException($"the relay's handshake reply was refused ({e.Message})");
        }
        catch (Exception e) when (e is SocketException or EndOfStreamException)
        {
            // A relay that cannot read message 1 (sealed to another key) drops the connection.
            throw new IOException($"the relay dropped the connection during the handshake ({e.Message}); is relay_key this relay's public key?");
        }
        try
        {
            handshake.ReadMessage(message.AsSpan(0, replyLength), new byte[HandshakeFrame.MaxMessageLength]);
        }
        catch (NoiseException)
        {
            throw new IOException("the relay's handshake failed: its key is not the one pinned in the config");
        }
        var (send, receive) = handshake.Split();
        return new AgentSession(connection, send, receive, context);
    }

    private async Task<string> RunSessionAsync(AgentSession session, RelayEndpoint relay, CancellationToken ct)
    {
        using var stop = ct.Register(() => session.Close("agent_stopping"));
        var reader = session.ReadLoopAsync();
        await session.SendControlAsync(BuildHello(session).ToJson(), ct).ConfigureAwait(false);
        ControlMessage helloOk;
        try
        {
            helloOk = await session.HelloOk.WaitAsync(_config.ConnectTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            session.Close("hello_timeout");
            await reader.ConfigureAwait(false);
            throw;
        }
        catch (LinkClosedException)
        {
            await reader.ConfigureAwait(false);
            if (session.GoAway is not null)
            {
                return "goaway";
            }
            throw;
        }
        var interval = helloOk.HeartbeatIntervalMs > 0 ? TimeSpan.FromMilliseconds(helloOk.HeartbeatIntervalMs) : _config.HeartbeatInterval;
        var timeout = helloOk.HeartbeatTimeoutMs > 0 ? TimeSpan.FromMilliseconds(helloOk.HeartbeatTimeoutMs) : _config.HeartbeatTimeout;
        Log.Info($"connected to relay {relay} (node {helloOk.Node}, device {context.DeviceId}, state {helloOk.State ?? "unknown"})");
        context.Status.Set("connected", relay.ToString(), helloOk.Node);
        // A release on trial has proven itself: it runs and reached a relay.
        ReleaseSwitch.ConfirmIfOnTrial(context.Config.StateDir);
        context.Session = session;
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = session.HeartbeatLoopAsync(interval, timeout, heartbeatStop.Token);
        var reason = await reader.ConfigureAwait(false);
        context.Session = null;
        heartbeatStop.Cancel();
        await heartbeat.ConfigureAwait(false);
        if (!ct.IsCancellationRequested)
        {
            Log.Warn($"link to relay {relay} closed: {reason}");
            context.Status.Set("disconnected", relay.ToString(), error: reason);
        }
        return reason;
    }

    private ControlMessage BuildHello(AgentSession session) => new()
    {
        Type = ControlMessage.Hello,
        Serial = _config.Serial,
        Model = _config.Model,
        Firmware = _config.Firmware,
        AgentVersion = AgentInfo.Version,
        Rid = ReleaseStager.Rid,
        Camera = _config.Camera,
        EnrollToken = _config.EnrollToken,
        TunnelPorts = _config.TunnelPorts,
        LocalAddress = session.LocalAddress,
    };

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
