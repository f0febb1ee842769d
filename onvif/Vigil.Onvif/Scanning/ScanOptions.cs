using Vigil.Onvif.Client;

namespace Vigil.Onvif.Scanning;

/// <summary>What a scan does, how long, and where.</summary>
public sealed class ScanOptions
{
    /// <summary>
    /// DNS-SD service types cameras announce: RTSP servers, Axis cameras and recorders, the web
    /// interface, and the PSIA and CGI services of Hikvision firmware.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultServiceTypes =
    [
        "_rtsp._tcp.local",
        "_axis-video._tcp.local",
        "_axis-nvr._tcp.local",
        "_http._tcp.local",
        "_psia._tcp.local",
        "_CGI._tcp.local",
    ];

    /// <summary>
    /// The whole scan, from the first probe to the result: devices found late get their ONVIF
    /// questions only until then.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Interface names to scan; empty means every usable one.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = [];

    /// <summary>IPv4 ranges that get a directed WS-Discovery probe on every address (networks without multicast).</summary>
    public IReadOnlyList<CidrRange> Ranges { get; init; } = [];

    public ScanProtocols Protocols { get; init; } = ScanProtocols.Discovery;

    /// <summary>False: only the directed probes of <see cref="Ranges"/> are sent, nothing by multicast.</summary>
    public bool Multicast { get; init; } = true;

    /// <summary>Ask each ONVIF device for its identity (and, with credentials, its profiles and stream addresses).</summary>
    public bool QueryOnvif { get; init; } = true;

    public OnvifCredentials? Credentials { get; init; }

    /// <summary>
    /// Also ask the XAddrs of an answer that name another host than the one that sent it, without
    /// credentials. Off by default: a discovery answer is unauthenticated, and whoever sent it
    /// must not be able to point the scan (and its digests) at a third host.
    /// </summary>
    public bool FollowXAddrs { get; init; }

    public IReadOnlyList<string> MdnsServiceTypes { get; init; } = DefaultServiceTypes;

    /// <summary>Devices kept at most; a /16 fits.</summary>
    public int MaxDevices { get; init; } = 65_536;

    public int MaxConcurrentQueries { get; init; } = 16;

    public OnvifClientOptions Client { get; init; } = new() { RequestTimeout = TimeSpan.FromSeconds(2) };

    internal void Validate()
    {
        if (Timeout < TimeSpan.FromMilliseconds(200) || Timeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"the scan timeout must be between 0.2 s and 1 h, not {Timeout.TotalSeconds} s");
        }
        if (!Multicast && Ranges.Count == 0)
        {
            throw new ArgumentException("without multicast a scan needs at least one range to probe");
        }
    }
}
