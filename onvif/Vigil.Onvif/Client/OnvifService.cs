using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>One entry of GetServices (ONVIF Core 8.1.2), or of GetCapabilities mapped to the same shape.</summary>
public sealed record OnvifService(string Namespace, Uri Address, string? Version)
{
    public const int MaxServices = 64;

    internal static List<OnvifService> ReadServices(XmlReader r)
    {
        var services = new List<OnvifService>();
        foreach (var s in XmlReading.Children(r))
        {
            if (s.LocalName != "Service" || services.Count == MaxServices)
            {
                continue;
            }
            string? ns = null, xaddr = null, version = null;
            foreach (var c in XmlReading.Children(s))
            {
                switch (c.LocalName)
                {
                    case "Namespace":
                        ns = XmlReading.ReadText(c, 256);
                        break;
                    case "XAddr":
                        xaddr = XmlReading.ReadText(c, 1024);
                        break;
                    case "Version":
                        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
                        foreach (var v in XmlReading.Children(c))
                        {
                            parts[v.LocalName] = XmlReading.ReadText(v, 16);
                        }
                        version = $"{parts.GetValueOrDefault("Major", "?")}.{parts.GetValueOrDefault("Minor", "?")}";
                        break;
                }
            }
            if (ns is not null && Uri.TryCreate(xaddr, UriKind.Absolute, out var uri))
            {
                services.Add(new OnvifService(ns, uri, version));
            }
        }
        return services;
    }

    /// <summary>
    /// GetCapabilities (ONVIF Core 8.1.2.4, for devices older than GetServices): each category's
    /// XAddr, named by the namespace GetServices would give it. Media2 has no category there.
    /// </summary>
    internal static List<OnvifService> ReadCapabilities(XmlReader r)
    {
        var services = new List<OnvifService>();
        foreach (var caps in XmlReading.Children(r))
        {
            if (caps.LocalName != "Capabilities")
            {
                continue;
            }
            foreach (var category in XmlReading.Children(caps))
            {
                var ns = category.LocalName switch
                {
                    "Device" => OnvifNamespaces.Device,
                    "Media" => OnvifNamespaces.Media,
                    "Events" => "http://www.onvif.org/ver10/events/wsdl",
                    "PTZ" => "http://www.onvif.org/ver20/ptz/wsdl",
                    "Imaging" => "http://www.onvif.org/ver20/imaging/wsdl",
                    _ => null,
                };
                if (ns is null)
                {
                    continue;
                }
                foreach (var c in XmlReading.Children(category))
                {
                    if (c.LocalName == "XAddr" && Uri.TryCreate(XmlReading.ReadText(c, 1024), UriKind.Absolute, out var uri))
                    {
                        services.Add(new OnvifService(ns, uri, null));
                    }
                }
            }
        }
        return services;
    }
}
