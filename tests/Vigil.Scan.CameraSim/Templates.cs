using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The messages devices answer with: the real captures with only per-device values replaced, and
/// the written shapes with their {{NAME}} placeholders filled.
/// </summary>
public sealed partial class Templates(string dataDir)
{
    private readonly Dictionary<string, string> _cache = [];

    /// <summary>Values in the Dahua captures that each simulated device replaces with its own.</summary>
    private const string DahuaEndpoint = "uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464";
    private const string DahuaRelatesTo = "uuid:572ecdc4-b723-11e8-99d8-53d34f41f286";
    private const string DahuaXAddr = "http://192.168.1.45/onvif/device_service";

    public string Capture(string name) => Load(Path.Combine(dataDir, "Captures", name));

    public string Shape(string name, params (string Key, string Value)[] values)
    {
        var text = Load(Path.Combine(dataDir, "Shapes", name));
        foreach (var (k, v) in values)
        {
            text = text.Replace("{{" + k + "}}", v, StringComparison.Ordinal);
        }
        return text;
    }

    public string ProbeMatches(string kind, string relatesTo, string endpoint, string xaddrs) => kind switch
    {
        "dahua" => Capture("dahua-ProbeMatches.xml")
            .Replace("uuid:c46d7c79-6375-447a-b283-89eb2485271a", "uuid:" + Guid.NewGuid(), StringComparison.Ordinal)
            .Replace(DahuaRelatesTo, relatesTo, StringComparison.Ordinal)
            .Replace(DahuaEndpoint, endpoint, StringComparison.Ordinal)
            .Replace(DahuaXAddr, xaddrs, StringComparison.Ordinal),
        "gsoap" => Shape("probematches-gsoap.xml", ("MESSAGE_ID", "urn:uuid:" + Guid.NewGuid()), ("RELATES_TO", relatesTo), ("ENDPOINT", endpoint), ("XADDRS", xaddrs)),
        "soap11-2009" => Shape("probematches-soap11-2009.xml", ("MESSAGE_ID", "urn:uuid:" + Guid.NewGuid()), ("RELATES_TO", relatesTo), ("ENDPOINT", endpoint), ("XADDRS", xaddrs)),
        _ => throw new ArgumentException($"no ProbeMatches template '{kind}'"),
    };

    public string Hello(string endpoint, string xaddrs) => Capture("dahua-Hello.xml")
        .Replace("uuid:7dffd1ac-a95b-4479-ae60-0128450c7104", "uuid:" + Guid.NewGuid(), StringComparison.Ordinal)
        .Replace(DahuaEndpoint, endpoint, StringComparison.Ordinal)
        .Replace(DahuaXAddr, xaddrs, StringComparison.Ordinal);

    public string Bye(string endpoint) => Shape("bye-2005.xml", ("MESSAGE_ID", "uuid:" + Guid.NewGuid()), ("ENDPOINT", endpoint));

    /// <summary>A captured GetSystemDateAndTime answer with its UTC time set to <paramref name="utc"/>.</summary>
    public string SystemDateAndTime(string flavour, DateTime utc)
    {
        var text = Capture(flavour == "hik" ? "hik-GetSystemDateAndTimeResponse.xml" : "dahua-GetSystemDateAndTimeResponse.xml");
        return UtcBlock().Replace(text, m =>
        {
            var block = m.Value;
            foreach (var (field, value) in new[] { ("Hour", utc.Hour), ("Minute", utc.Minute), ("Second", utc.Second), ("Year", utc.Year), ("Month", utc.Month), ("Day", utc.Day) })
            {
                block = Regex.Replace(block, $"<tt:{field}>\\d+</tt:{field}>", $"<tt:{field}>{value.ToString(CultureInfo.InvariantCulture)}</tt:{field}>");
            }
            return block;
        });
    }

    /// <summary>The envelope of a captured Hikvision answer (its gSOAP namespace declarations), around another body.</summary>
    public string HikWrap(string body)
    {
        var capture = Capture("hik-ptz-GetStatusResponse.xml");
        var start = capture.IndexOf("<SOAP-ENV:Body>", StringComparison.Ordinal) + "<SOAP-ENV:Body>".Length;
        return capture[..start] + body + "</SOAP-ENV:Body></SOAP-ENV:Envelope>";
    }

    private string Load(string path)
    {
        lock (_cache)
        {
            if (!_cache.TryGetValue(path, out var text))
            {
                _cache[path] = text = File.ReadAllText(path, Encoding.UTF8);
            }
            return text;
        }
    }

    [GeneratedRegex("<tt:UTCDateTime>.*?</tt:UTCDateTime>", RegexOptions.Singleline)]
    private static partial Regex UtcBlock();
}
