using System.Net;

namespace Vigil.Onvif.Scanning;

/// <summary>One profile of a camera and where to get its stream and its snapshot.</summary>
public sealed record StreamProfile(string Token, string? Name, string? VideoEncoding, int? Width, int? Height, string? RtspUri, string? SnapshotUri, string? Error);

/// <summary>
/// A device a scan found, with everything the protocols that answered said about it. Identity
/// fields come from the most reliable source that gave them: the ONVIF device service first, then
/// the vendor protocols (SADP, DHDiscover), then UPnP, WS-Discovery scopes and DNS-SD TXT records.
/// </summary>
public sealed record DiscoveredDevice
{
    /// <summary>The address to reach it at: the first IPv4 address heard from it, else an IPv6 one.</summary>
    public required IPAddress Address { get; init; }
    public required IReadOnlyList<IPAddress> Addresses { get; init; }
    /// <summary>The interface of this machine it was first heard on.</summary>
    public string? Interface { get; init; }
    public string? Manufacturer { get; init; }
    public string? Model { get; init; }
    public string? Serial { get; init; }
    public string? Firmware { get; init; }
    public string? HardwareId { get; init; }
    public string? Name { get; init; }
    public string? Mac { get; init; }
    public ScanProtocols Protocols { get; init; }
    /// <summary>WS-Discovery endpoint addresses, normalized to urn:uuid: form.</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];
    public IReadOnlyList<Uri> XAddrs { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    /// <summary>ONVIF profiles the scopes claim (Streaming, G, T, ...).</summary>
    public IReadOnlyList<string> OnvifProfiles { get; init; } = [];
    /// <summary>The ONVIF device service: the one that answered, else the first XAddr.</summary>
    public Uri? OnvifAddress { get; init; }
    public string? OnvifError { get; init; }
    public IReadOnlyList<StreamProfile> Streams { get; init; } = [];
    /// <summary>DNS-SD instances ("Front door._rtsp._tcp.local") and UPnP USNs it announced.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];
    public int? HttpPort { get; init; }
    /// <summary>When the scan first heard of it, from the scan's start.</summary>
    public TimeSpan FirstSeen { get; init; }
}

/// <summary>What a scan did and found.</summary>
public sealed record ScanResult(
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<string> Interfaces,
    IReadOnlyList<string> Ranges,
    IReadOnlyList<DiscoveredDevice> Devices,
    long DatagramsRefused,
    long DatagramsDropped);
