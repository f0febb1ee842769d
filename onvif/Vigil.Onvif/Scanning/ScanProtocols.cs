namespace Vigil.Onvif.Scanning;

/// <summary>The protocols a scan speaks, and that a device answered.</summary>
[Flags]
public enum ScanProtocols
{
    None = 0,
    WsDiscovery = 1,
    Mdns = 2,
    Ssdp = 4,
    Sadp = 8,
    DhDiscover = 16,
    /// <summary>The device's ONVIF service answered a SOAP request (not a discovery protocol).</summary>
    Onvif = 32,
    Discovery = WsDiscovery | Mdns | Ssdp | Sadp | DhDiscover,
}

public static class ScanProtocolNames
{
    /// <summary>The names used on the command line and in the JSON output, in a fixed order.</summary>
    public static readonly (ScanProtocols Protocol, string Name)[] All =
    [
        (ScanProtocols.WsDiscovery, "ws-discovery"),
        (ScanProtocols.Mdns, "mdns"),
        (ScanProtocols.Ssdp, "ssdp"),
        (ScanProtocols.Sadp, "sadp"),
        (ScanProtocols.DhDiscover, "dhdiscover"),
        (ScanProtocols.Onvif, "onvif"),
    ];

    public static List<string> Names(ScanProtocols protocols) =>
        All.Where(p => (protocols & p.Protocol) != 0).Select(p => p.Name).ToList();

    public static bool TryParse(string name, out ScanProtocols protocol)
    {
        foreach (var (p, n) in All)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                protocol = p;
                return true;
            }
        }
        protocol = ScanProtocols.None;
        return false;
    }
}
