using System.Text;

namespace Vigil.Onvif.Discovery.Ssdp;

/// <summary>
/// An SSDP message: HTTP over UDP, a start line and headers. Parsed from the datagram's bytes
/// with caps on the number of headers and their length; the body, if any, is ignored.
/// </summary>
public sealed record SsdpMessage(string StartLine, IReadOnlyDictionary<string, string> Headers)
{
    public const int MaxHeaders = 64;
    public const int MaxLine = 2048;

    public bool IsSearchResponse => StartLine.StartsWith("HTTP/1.", StringComparison.OrdinalIgnoreCase) && StartLine.Contains(" 200", StringComparison.Ordinal);

    public bool IsSearch => StartLine.StartsWith("M-SEARCH ", StringComparison.Ordinal);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public string? Location => Header("LOCATION");

    public string? Server => Header("SERVER");

    public string? Usn => Header("USN");

    public static bool TryParse(ReadOnlySpan<byte> datagram, out SsdpMessage message, out string reason)
    {
        message = null!;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? start = null;
        var rest = datagram;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.Length > MaxLine)
            {
                reason = $"SSDP line longer than {MaxLine} bytes";
                return false;
            }
            var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
            if (start is null)
            {
                if (text.Length == 0)
                {
                    reason = "SSDP message without a start line";
                    return false;
                }
                start = text;
                continue;
            }
            if (text.Length == 0)
            {
                break;
            }
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                reason = "SSDP header without a colon";
                return false;
            }
            if (headers.Count == MaxHeaders)
            {
                reason = $"SSDP message with more than {MaxHeaders} headers";
                return false;
            }
            headers.TryAdd(text[..colon].Trim(), text[(colon + 1)..].Trim());
        }
        if (start is null || !(start.StartsWith("HTTP/", StringComparison.Ordinal) || start.EndsWith(" HTTP/1.1", StringComparison.Ordinal)))
        {
            reason = "not an HTTP-over-UDP message";
            return false;
        }
        message = new SsdpMessage(start, headers);
        reason = "";
        return true;
    }
}
