using System.Text;

namespace Vigil.Scan.CameraSim;

/// <summary>What a hostile device sends instead of a ProbeMatch.</summary>
public static class Hostile
{
    /// <summary>A DTD with an external entity that would pull a local file into the Scopes.</summary>
    public static string ExternalEntity(string valid) =>
        valid.Replace("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", StringComparison.Ordinal)
            .Replace("onvif://www.onvif.org/name/Dahua", "onvif://www.onvif.org/name/&xxe;", StringComparison.Ordinal);

    /// <summary>The "billion laughs": ten levels of entities, each ten times the one below.</summary>
    public static string EntityBomb(string valid)
    {
        var dtd = new StringBuilder("<!DOCTYPE s:Envelope [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i <= 10; i++)
        {
            dtd.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">");
        }
        dtd.Append("]>");
        return valid.Replace("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + dtd, StringComparison.Ordinal)
            .Replace("onvif://www.onvif.org/name/Dahua", "onvif://www.onvif.org/name/&lol10;", StringComparison.Ordinal);
    }

    public static string Truncated(string valid) => valid[..(valid.Length / 2)];

    /// <summary>Random bytes, the size of a large datagram.</summary>
    public static byte[] Junk(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A DNS answer whose name is a compression pointer to itself.</summary>
    public static byte[] DnsPointerLoop(ushort id) =>
    [
        (byte)(id >> 8), (byte)id, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
        0xC0, 12, // the name at offset 12 points to offset 12
        0, 12, 0, 1, 0, 0, 0, 120, 0, 2, 0xC0, 12,
    ];
}
