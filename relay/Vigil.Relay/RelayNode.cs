using Microsoft.Extensions.Logging;
using Vigil.Protocol.Noise;
using Vigil.Relay.Agents;

namespace Vigil.Relay;

/// <summary>Everything of one relay node that its connections, API and background loops share.</summary>
public sealed class RelayNode
{
    public RelayNode(RelayOptions options, KeyPair staticKey, IReadOnlyList<byte[]> tunnelKeys, INoiseAeadFactory aead, ILogger<RelayNode> logger, INoiseDh? dh = null)
    {
        Options = options;
        StaticKey = staticKey;
        TunnelKeys = tunnelKeys;
        Aead = aead;
        Dh = dh ?? ManagedX25519.Instance;
        Logger = logger;
        Handshakes = new HandshakeGate(options.MaxPendingHandshakes, options.MaxPendingHandshakesPerAddress);
    }

    public RelayOptions Options { get; }
    public KeyPair StaticKey { get; }
    public IReadOnlyList<byte[]> TunnelKeys { get; }
    public INoiseAeadFactory Aead { get; }

    /// <summary>The X25519 for agent handshakes: OpenSSL's when available, else the managed one.</summary>
    public INoiseDh Dh { get; }
    public ILogger Logger { get; }
    public RelayMetrics Metrics { get; } = new();
    public SessionRegistry Registry { get; } = new();

    /// <summary>The tunnel tokens already used, so each opens one tunnel.</summary>
    public Api.TunnelReplayGuard TunnelReplays { get; } = new();

    /// <summary>Returns the memory of a flood of abusive links once it has stopped.</summary>
    public AbuseMemoryReclaimer Reclaimer { get; } = new();

    /// <summary>The connections still in their handshake, capped over all and per address.</summary>
    public HandshakeGate Handshakes { get; }

    /// <summary>Set by a drain: new agents are sent away after their hello, with this hint.</summary>
    public DrainHint? Drain { get; private set; }

    /// <summary>
    /// Starts a drain: every agent is told to go away and come back after a while, trying the given
    /// nodes first. The go-aways are spread over <paramref name="spread"/> so the other nodes see a
    /// ramp, not a wave. Returns how many agents were told.
    /// </summary>
    public int StartDrain(int retryAfterSeconds, IReadOnlyList<string> nodes, TimeSpan spread)
    {
        Drain = new DrainHint(retryAfterSeconds, nodes);
        var sessions = Registry.All.ToList();
        for (var i = 0; i < sessions.Count; i++)
        {
            var session = sessions[i];
            var delay = sessions.Count <= 1 ? TimeSpan.Zero : spread * i / sessions.Count;
            _ = SendAwayAsync(session, delay);
        }
        RelayLog.Draining(Logger, sessions.Count, retryAfterSeconds);
        return sessions.Count;
    }

    public async Task SendAwayAsync(RelaySession session, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }
        var hint = Drain ?? new DrainHint(1, []);
        await session.SendGoAwayAsync(hint.RetryAfterSeconds, hint.Nodes, "drain").ConfigureAwait(false);
        // The agent closes on a go-away; one that does not is closed after a grace period.
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        session.Close("drained");
    }
}

public sealed record DrainHint(int RetryAfterSeconds, IReadOnlyList<string> Nodes);
