using System.Globalization;

namespace Vigil.Agent;

/// <summary>An HTTP proxy that the agent asks to CONNECT to a relay (networks where only a proxy gets out).</summary>
internal sealed record ProxyEndpoint(string Host, int Port, string? UserInfo)
{
    public static ProxyEndpoint? TryParse(string text)
    {
        const string scheme = "http://";
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = text[scheme.Length..].TrimEnd('/');
        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = Uri.UnescapeDataString(rest[..at]);
            rest = rest[(at + 1)..];
        }
        if (!RelayEndpoint.TryParse(rest, out var host, out var port))
        {
            // A proxy without a port: 3128 is what most proxies listen on.
            if (rest.Length == 0 || rest.Contains(':'))
            {
                return null;
            }
            host = rest;
            port = int.Parse("3128", CultureInfo.InvariantCulture);
        }
        return new ProxyEndpoint(host, port, user);
    }

    public override string ToString() => $"http://{Host}:{Port}";
}
