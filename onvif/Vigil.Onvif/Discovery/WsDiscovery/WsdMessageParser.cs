using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>
/// Reads one WS-Discovery datagram: SOAP 1.2 or 1.1, discovery 2005/04 or 2009/01, addressing
/// 2004/08 or 2005/08, whatever prefixes the device chose. Anything else is refused with a reason.
/// </summary>
public static class WsdMessageParser
{
    /// <summary>A datagram is at most 64 KiB; a real ProbeMatch is 1 to 4 KiB.</summary>
    public const int MaxCharacters = 64 * 1024;
    public const int MaxEndpoints = 16;
    public const int MaxScopes = 64;
    public const int MaxXAddrs = 8;
    public const int MaxTypes = 16;

    public static bool TryParse(ReadOnlyMemory<byte> datagram, out WsdMessage message, out string reason)
    {
        message = null!;
        try
        {
            using var r = SafeXml.Open(datagram, MaxCharacters);
            var parsed = Parse(r, out reason);
            if (parsed is null)
            {
                return false;
            }
            message = parsed;
            return true;
        }
        catch (XmlException e)
        {
            reason = SafeXml.Describe(e);
            return false;
        }
    }

    private static WsdMessage? Parse(XmlReader r, out string reason)
    {
        if (r.MoveToContent() != XmlNodeType.Element || r.LocalName != "Envelope" || !WsdNamespaces.IsSoap(r.NamespaceURI))
        {
            reason = "not a SOAP envelope";
            return null;
        }
        var soap = r.NamespaceURI;
        string? messageId = null, relatesTo = null;
        WsdMessage? result = null;
        foreach (var part in XmlReading.Children(r))
        {
            if (part.NamespaceURI != soap)
            {
                continue;
            }
            if (part.LocalName == "Header")
            {
                foreach (var h in XmlReading.Children(part))
                {
                    if (!WsdNamespaces.IsAddressing(h.NamespaceURI))
                    {
                        continue;
                    }
                    switch (h.LocalName)
                    {
                        case "MessageID":
                            messageId = XmlReading.ReadText(h, 256);
                            break;
                        case "RelatesTo":
                            relatesTo = XmlReading.ReadText(h, 256);
                            break;
                    }
                }
            }
            else if (part.LocalName == "Body")
            {
                foreach (var b in XmlReading.Children(part))
                {
                    if (result is null && WsdNamespaces.IsDiscovery(b.NamespaceURI))
                    {
                        result = ReadBody(b, soap == WsdNamespaces.Soap11);
                    }
                }
            }
        }
        if (result is null)
        {
            reason = "no WS-Discovery element in the SOAP body";
            return null;
        }
        reason = "";
        return result with { MessageId = messageId, RelatesTo = relatesTo };
    }

    private static WsdMessage ReadBody(XmlReader r, bool soap11)
    {
        var ns = r.NamespaceURI;
        var endpoints = new List<WsdEndpoint>();
        var probeTypes = new List<WsdType>();
        var action = r.LocalName switch
        {
            "Probe" => WsdAction.Probe,
            "ProbeMatches" => WsdAction.ProbeMatches,
            "Hello" => WsdAction.Hello,
            "Bye" => WsdAction.Bye,
            "ResolveMatches" => WsdAction.ResolveMatches,
            _ => WsdAction.Other,
        };
        switch (action)
        {
            case WsdAction.ProbeMatches or WsdAction.ResolveMatches:
                foreach (var m in XmlReading.Children(r))
                {
                    if (m.NamespaceURI == ns && m.LocalName is "ProbeMatch" or "ResolveMatch" && endpoints.Count < MaxEndpoints
                        && ReadEndpoint(m, ns) is { } endpoint)
                    {
                        endpoints.Add(endpoint);
                    }
                }
                break;
            case WsdAction.Hello or WsdAction.Bye:
                if (ReadEndpoint(r, ns) is { } announced)
                {
                    endpoints.Add(announced);
                }
                break;
            case WsdAction.Probe:
                foreach (var c in XmlReading.Children(r))
                {
                    if (c.NamespaceURI == ns && c.LocalName == "Types")
                    {
                        probeTypes.AddRange(ReadTypes(c));
                    }
                }
                break;
            default:
                r.Skip();
                break;
        }
        return new WsdMessage(action, null, null, soap11, ns, endpoints, probeTypes);
    }

    /// <summary>An endpoint without an address is no endpoint: nothing could merge or query it.</summary>
    private static WsdEndpoint? ReadEndpoint(XmlReader r, string ns)
    {
        string? address = null;
        IReadOnlyList<WsdType> types = [];
        IReadOnlyList<string> scopes = [], xaddrs = [];
        int? version = null;
        foreach (var c in XmlReading.Children(r))
        {
            if (c.LocalName == "EndpointReference" && WsdNamespaces.IsAddressing(c.NamespaceURI))
            {
                foreach (var e in XmlReading.Children(c))
                {
                    if (e.LocalName == "Address" && WsdNamespaces.IsAddressing(e.NamespaceURI))
                    {
                        address = XmlReading.ReadText(e, 256);
                    }
                }
                continue;
            }
            if (c.NamespaceURI != ns)
            {
                continue;
            }
            switch (c.LocalName)
            {
                case "Types":
                    types = ReadTypes(c);
                    break;
                case "Scopes":
                    scopes = XmlReading.SplitList(XmlReading.ReadText(c, 16 * 1024), MaxScopes);
                    break;
                case "XAddrs":
                    xaddrs = XmlReading.SplitList(XmlReading.ReadText(c, 4096), MaxXAddrs);
                    break;
                case "MetadataVersion":
                    version = int.TryParse(XmlReading.ReadText(c, 16), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
                    break;
            }
        }
        return string.IsNullOrEmpty(address) ? null : new WsdEndpoint(address, types, scopes, xaddrs, version);
    }

    /// <summary>
    /// Types is a list of QNames; their prefixes resolve in the scope of the Types element, so they
    /// are looked up while the reader is still inside it.
    /// </summary>
    private static List<WsdType> ReadTypes(XmlReader r)
    {
        var types = new List<WsdType>();
        if (r.IsEmptyElement)
        {
            r.Read();
            return types;
        }
        var depth = r.Depth;
        r.Read();
        while (!(r.NodeType == XmlNodeType.EndElement && r.Depth == depth) && !r.EOF)
        {
            if (r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
            {
                foreach (var qname in XmlReading.SplitList(r.Value, MaxTypes - types.Count))
                {
                    var colon = qname.IndexOf(':', StringComparison.Ordinal);
                    var (prefix, local) = colon < 0 ? ("", qname) : (qname[..colon], qname[(colon + 1)..]);
                    types.Add(new WsdType(r.LookupNamespace(prefix), local));
                }
            }
            r.Read();
        }
        r.Read();
        return types;
    }
}
