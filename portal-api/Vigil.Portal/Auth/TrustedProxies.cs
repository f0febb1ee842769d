using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Vigil.Portal.Auth;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto, believed only from the proxies the configuration names
/// (TrustedProxies: addresses or CIDR networks). Behind the documented TLS proxy every client would
/// otherwise share the proxy's address (one login throttle for all) and every request would look
/// plain http (no Secure session cookie); from anyone else the headers are a client's own word and
/// are ignored. ASP.NET Core trusts loopback by default: that default is dropped, so a local process
/// cannot forge a client address either unless loopback is named.
/// </summary>
public static class TrustedProxies
{
    /// <summary>"127.0.0.1, 10.0.0.0/8, ::1" as networks; a bad entry is a configuration error that names it.</summary>
    public static IReadOnlyList<IPNetwork> Parse(string? list)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (list ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"TrustedProxies: '{entry}' is not an IP address or a CIDR network");
            }
        }
        return networks;
    }

    /// <summary>The forwarded-headers step, first in the pipeline; nothing when no proxy is configured.</summary>
    public static void Use(IApplicationBuilder app, PortalOptions options, ILogger log)
    {
        var networks = Parse(options.TrustedProxies);
        if (networks.Count == 0)
        {
            return;
        }
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Walk back through the chain while each hop is a trusted proxy, and no further.
            ForwardLimit = null,
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var network in networks)
        {
            forwarded.KnownIPNetworks.Add(network);
        }
        app.UseForwardedHeaders(forwarded);
        PortalLog.TrustedProxies(log, string.Join(", ", networks));
    }
}
