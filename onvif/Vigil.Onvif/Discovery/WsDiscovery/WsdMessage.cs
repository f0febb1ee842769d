namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>What a WS-Discovery message is, by the element in its SOAP body.</summary>
public enum WsdAction
{
    Other,
    Probe,
    ProbeMatches,
    Hello,
    Bye,
    ResolveMatches,
}

/// <summary>A qualified type from a Types list; <see cref="Namespace"/> is null when the prefix was not declared.</summary>
public readonly record struct WsdType(string? Namespace, string LocalName)
{
    /// <summary>ONVIF's device types live in onvif.org namespaces (NetworkVideoTransmitter, Device).</summary>
    public bool IsOnvif => Namespace?.StartsWith("http://www.onvif.org/", StringComparison.Ordinal) == true;

    public override string ToString() => LocalName;
}

/// <summary>One endpoint a ProbeMatch, ResolveMatch, Hello or Bye speaks of.</summary>
public sealed record WsdEndpoint(
    string Address,
    IReadOnlyList<WsdType> Types,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> XAddrs,
    int? MetadataVersion);

/// <summary>A parsed WS-Discovery message: its addressing headers and the endpoints in its body.</summary>
public sealed record WsdMessage(
    WsdAction Action,
    string? MessageId,
    string? RelatesTo,
    bool Soap11,
    string DiscoveryNamespace,
    IReadOnlyList<WsdEndpoint> Endpoints,
    IReadOnlyList<WsdType> ProbeTypes);
