using System.Text;
using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Discovery.Sadp;

/// <summary>
/// Hikvision's Search Active Devices Protocol: an XML Probe of type "inquiry" to
/// 239.255.255.250:37020, answered by a flat XML ProbeMatch that names the device even when its
/// address is in another subnet (which is why installers use it).
/// </summary>
public sealed record SadpMessage(string Kind, string? Uuid, string? Types, IReadOnlyDictionary<string, string> Fields)
{
    public const int Port = 37020;
    public const int MaxCharacters = 16 * 1024;
    public const int MaxFields = 64;

    public string? Field(string name) => Fields.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    /// <summary>The model ("DS-2CD2142FWD-I").</summary>
    public string? Model => Field("DeviceDescription");

    public string? Serial => Field("DeviceSN");

    public string? Mac => Field("MAC");

    /// <summary>Firmware as the device states it ("V5.5.0build 170725").</summary>
    public string? Firmware => Field("SoftwareVersion");

    public string? IPv4Address => Field("IPv4Address");

    public int? HttpPort => int.TryParse(Field("HttpPort"), out var p) && p is > 0 and < 65536 ? p : null;

    public static byte[] WriteInquiry(Guid uuid) =>
        Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{uuid.ToString("D").ToUpperInvariant()}</Uuid><Types>inquiry</Types></Probe>");

    public static bool TryParse(ReadOnlyMemory<byte> datagram, out SadpMessage message, out string reason)
    {
        message = null!;
        try
        {
            using var r = SafeXml.Open(datagram, MaxCharacters);
            if (r.MoveToContent() != XmlNodeType.Element || r.LocalName is not ("ProbeMatch" or "Probe"))
            {
                reason = "not a SADP message";
                return false;
            }
            var kind = r.LocalName;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var c in XmlReading.Children(r))
            {
                var name = c.LocalName;
                var value = XmlReading.ReadText(c, 256);
                if (fields.Count < MaxFields)
                {
                    fields.TryAdd(name, value);
                }
            }
            message = new SadpMessage(kind, fields.GetValueOrDefault("Uuid"), fields.GetValueOrDefault("Types"), fields);
            reason = "";
            return true;
        }
        catch (XmlException e)
        {
            reason = SafeXml.Describe(e);
            return false;
        }
    }
}
