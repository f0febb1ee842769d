using System.Net;
using System.Net.Sockets;

namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>Turns the XAddrs a device sent into addresses a client can dial.</summary>
public static class XAddrs
{
    /// <summary>
    /// Parses each XAddr as an http(s) URI. A device that does not know its own address yet (DHCP
    /// in progress, some Dahua firmware) sends 0.0.0.0 (or [::]); the host it really has is the one
    /// its datagram came from, so that is put in instead. Anything that is not http(s) is dropped.
    /// </summary>
    public static List<Uri> Resolve(IEnumerable<string> xaddrs, IPAddress sender)
    {
        var result = new List<Uri>();
        foreach (var x in xaddrs)
        {
            if (!Uri.TryCreate(x, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                continue;
            }
            if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var host) && (host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any)))
            {
                uri = WithHost(uri, sender);
            }
            if (!result.Contains(uri))
            {
                result.Add(uri);
            }
        }
        return result;
    }

    public static Uri WithHost(Uri uri, IPAddress host)
    {
        var text = host.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + new IPAddress(host.GetAddressBytes()) + "]" // no zone: a URI cannot carry it portably
            : host.ToString();
        return new UriBuilder(uri) { Host = text }.Uri;
    }
}
