namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>
/// WS-Discovery endpoint addresses and message ids as one comparable form. Devices write the same
/// UUID as "uuid:..." (Dahua), "urn:uuid:..." (most) and in either case; a device that answers
/// on IPv4 and IPv6 must still be one device.
/// </summary>
public static class EndpointAddress
{
    public static string Normalize(string address)
    {
        var a = address.Trim();
        if (a.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase))
        {
            return "urn:uuid:" + a[9..].ToLowerInvariant();
        }
        if (a.StartsWith("uuid:", StringComparison.OrdinalIgnoreCase))
        {
            return "urn:uuid:" + a[5..].ToLowerInvariant();
        }
        return Guid.TryParse(a, out var g) ? "urn:uuid:" + g.ToString("D") : a;
    }
}
