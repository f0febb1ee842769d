using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>GetDeviceInformation's answer (ONVIF Core 8.3.1).</summary>
public sealed record DeviceInformation(string? Manufacturer, string? Model, string? FirmwareVersion, string? SerialNumber, string? HardwareId)
{
    internal static DeviceInformation Read(XmlReader r)
    {
        var d = new DeviceInformation(null, null, null, null, null);
        foreach (var c in XmlReading.Children(r))
        {
            d = c.LocalName switch
            {
                "Manufacturer" => d with { Manufacturer = NullIfEmpty(XmlReading.ReadText(c, 256)) },
                "Model" => d with { Model = NullIfEmpty(XmlReading.ReadText(c, 256)) },
                "FirmwareVersion" => d with { FirmwareVersion = NullIfEmpty(XmlReading.ReadText(c, 256)) },
                "SerialNumber" => d with { SerialNumber = NullIfEmpty(XmlReading.ReadText(c, 256)) },
                "HardwareId" => d with { HardwareId = NullIfEmpty(XmlReading.ReadText(c, 256)) },
                _ => d,
            };
        }
        return d;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
