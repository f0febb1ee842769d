using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Discovery.Ssdp;

/// <summary>
/// The root device of a UPnP description document (UPnP Device Architecture 2.0, section 2.3):
/// what cameras say there about maker, model and serial.
/// </summary>
public sealed record UpnpDescription(string? FriendlyName, string? Manufacturer, string? ModelName, string? ModelNumber, string? SerialNumber, string? Udn, string? PresentationUrl)
{
    public const int MaxCharacters = 256 * 1024;

    public static bool TryParse(ReadOnlyMemory<byte> document, out UpnpDescription description, out string reason)
    {
        description = null!;
        try
        {
            using var r = SafeXml.Open(document, MaxCharacters);
            if (r.MoveToContent() != XmlNodeType.Element || r.LocalName != "root")
            {
                reason = "not a UPnP description (no root element)";
                return false;
            }
            foreach (var c in XmlReading.Children(r))
            {
                if (c.LocalName == "device")
                {
                    description = ReadDevice(c);
                    reason = "";
                    return true;
                }
            }
            reason = "UPnP description without a device";
            return false;
        }
        catch (XmlException e)
        {
            reason = SafeXml.Describe(e);
            return false;
        }
    }

    private static UpnpDescription ReadDevice(XmlReader r)
    {
        var d = new UpnpDescription(null, null, null, null, null, null, null);
        foreach (var c in XmlReading.Children(r))
        {
            d = c.LocalName switch
            {
                "friendlyName" => d with { FriendlyName = XmlReading.ReadText(c, 256) },
                "manufacturer" => d with { Manufacturer = XmlReading.ReadText(c, 256) },
                "modelName" => d with { ModelName = XmlReading.ReadText(c, 256) },
                "modelNumber" => d with { ModelNumber = XmlReading.ReadText(c, 256) },
                "serialNumber" => d with { SerialNumber = XmlReading.ReadText(c, 256) },
                "UDN" => d with { Udn = XmlReading.ReadText(c, 256) },
                "presentationURL" => d with { PresentationUrl = XmlReading.ReadText(c, 1024) },
                _ => d,
            };
        }
        return d;
    }
}
