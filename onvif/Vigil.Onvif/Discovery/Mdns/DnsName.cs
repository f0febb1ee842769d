using System.Text;

namespace Vigil.Onvif.Discovery.Mdns;

/// <summary>
/// Domain names in presentation form: labels joined by dots, a dot or backslash inside a label
/// escaped with a backslash (RFC 1035 section 5.1). DNS-SD instance names are free UTF-8 text
/// ("AXIS M3045-V - ACCC8E0A1B2C") and may hold dots, so the escape matters.
/// </summary>
public static class DnsName
{
    public const int MaxLength = 255;
    public const int MaxLabel = 63;

    public static string Join(IEnumerable<string> labels)
    {
        var sb = new StringBuilder();
        foreach (var label in labels)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }
            foreach (var ch in label)
            {
                if (ch is '.' or '\\')
                {
                    sb.Append('\\');
                }
                sb.Append(ch);
            }
        }
        return sb.ToString();
    }

    public static List<string> Split(string name)
    {
        var labels = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            if (ch == '\\' && i + 1 < name.Length)
            {
                current.Append(name[++i]);
            }
            else if (ch == '.')
            {
                labels.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }
        if (current.Length > 0)
        {
            labels.Add(current.ToString());
        }
        return labels;
    }

    public static bool AreEqual(string a, string b) => string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>The first label of an instance name ("Front door" of "Front door._rtsp._tcp.local").</summary>
    public static string FirstLabel(string name) => Split(name) is [var first, ..] ? first : name;
}
