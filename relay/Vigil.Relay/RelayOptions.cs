using System.Net;

namespace Vigil.Relay;

/// <summary>
/// A relay node's settings: a JSON file (--config) with command-line overrides (--listen ...).
/// docs/operations.md lists every key.
/// </summary>
public sealed class RelayOptions
{
    /// <summary>This node's name in metrics, hello_ok and the portal's presence table.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>Where agents connect (TCP; 443 in production).</summary>
    public string Listen { get; set; } = "0.0.0.0:7443";

    /// <summary>The node API: health, metrics, sessions, commands, drain, tunnels.</summary>
    public string ApiListen { get; set; } = "127.0.0.1:7480";

    /// <summary>The relay's static X25519 key; made on first start if absent.</summary>
    public string KeyFile { get; set; } = "/var/lib/vigil-relay/relay.key";

    /// <summary>The bearer token of the node API; made on first start (mode 0600) if absent.</summary>
    public string ApiTokenFile { get; set; } = "/var/lib/vigil-relay/api.token";

    /// <summary>Ed25519 public keys (base64) whose tunnel tokens this relay honours: the portal's.</summary>
    public List<string> TunnelTrustedKeys { get; set; } = [];

    /// <summary>The portal this node reports to (hello, presence); empty for a node that stands alone.</summary>
    public string PortalUrl { get; set; } = "";

    /// <summary>A file holding the token the portal gave this node at its registration (vr_...).</summary>
    public string PortalTokenFile { get; set; } = "";

    /// <summary>The token itself, for an embedded node (the portal passes it in memory).</summary>
    public string PortalToken { get; set; } = "";

    public double HeartbeatIntervalSeconds { get; set; } = 20;
    public double HeartbeatTimeoutSeconds { get; set; } = 60;

    /// <summary>A connection must finish its handshake and hello within this, or it is closed (slowloris).</summary>
    public double HandshakeTimeoutSeconds { get; set; } = 10;

    public int MaxStreamsPerSession { get; set; } = 16;

    /// <summary>Frames the relay may have waiting for one agent that does not read, before it closes the link.</summary>
    public int MaxQueuedFramesPerSession { get; set; } = 1024;

    /// <summary>Bytes the relay may have waiting for one agent that does not read, before it closes the link.</summary>
    public long MaxQueuedBytesPerSession { get; set; } = 4L * 1024 * 1024;

    /// <summary>Connections at once that have not finished their handshake and hello, over all addresses.</summary>
    public int MaxPendingHandshakes { get; set; } = 4096;

    /// <summary>Connections at once from one address that have not finished their handshake and hello.</summary>
    public int MaxPendingHandshakesPerAddress { get; set; } = 256;

    /// <summary>How long the node API waits for an agent to answer a command.</summary>
    public double CommandTimeoutSeconds { get; set; } = 10;

    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(HeartbeatIntervalSeconds);
    public TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(HeartbeatTimeoutSeconds);
    public TimeSpan HandshakeTimeout => TimeSpan.FromSeconds(HandshakeTimeoutSeconds);

    public void Validate()
    {
        if (HeartbeatTimeoutSeconds <= HeartbeatIntervalSeconds || HeartbeatIntervalSeconds <= 0)
        {
            throw new InvalidOperationException("HeartbeatTimeoutSeconds must be longer than HeartbeatIntervalSeconds, both above 0");
        }
        if (HandshakeTimeoutSeconds <= 0 || MaxStreamsPerSession < 1)
        {
            throw new InvalidOperationException("HandshakeTimeoutSeconds and MaxStreamsPerSession must be positive");
        }
        if (MaxQueuedFramesPerSession < 16 || MaxQueuedBytesPerSession < 256 * 1024 || MaxPendingHandshakes < 1 || MaxPendingHandshakesPerAddress < 1)
        {
            throw new InvalidOperationException(
                "MaxQueuedFramesPerSession must be at least 16, MaxQueuedBytesPerSession at least 262144, MaxPendingHandshakes and MaxPendingHandshakesPerAddress positive");
        }
        ParseEndpoint(Listen);
        ParseEndpoint(ApiListen);
        if (PortalUrl.Length > 0 && !Uri.TryCreate(PortalUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"PortalUrl '{PortalUrl}' is not an absolute URL");
        }
        if (PortalUrl.Length > 0 && PortalToken.Length == 0 && PortalTokenFile.Length == 0)
        {
            throw new InvalidOperationException("PortalUrl needs PortalTokenFile (the token the portal gave this node)");
        }
    }

    public static IPEndPoint ParseEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var ep) ? ep : throw new InvalidOperationException($"'{text}' is not an address:port");
}
