using System.Globalization;
using System.Text;

namespace Vigil.Protocol.Releases;

/// <summary>
/// What a signed agent release says about the binary it carries: its version, the RID it was built
/// for, its length and SHA-256. The text is "key=value" lines in UTF-8, and it is what the release
/// key signs; nothing in it is trusted before the signature checks out.
/// </summary>
public sealed record ReleaseManifest(string Version, string Rid, long Size, byte[] Sha256)
{
    /// <summary>No agent binary is larger: a manifest that says more is refused before a byte is stored.</summary>
    public const long MaxSize = 16 * 1024 * 1024;

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(
        $"format=1\nversion={Version}\nrid={Rid}\nsize={Size.ToString(CultureInfo.InvariantCulture)}\nsha256={Convert.ToHexStringLower(Sha256)}\n");

    /// <summary>Parses a manifest (already length-capped by the caller); throws <see cref="ReleaseRejectedException"/> when it is malformed.</summary>
    public static ReleaseManifest Parse(ReadOnlySpan<byte> text)
    {
        string? version = null, rid = null, size = null, hash = null, format = null;
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                throw Malformed("a line without '='");
            }
            var value = line[(eq + 1)..];
            switch (line[..eq])
            {
                case "format": format = value; break;
                case "version": version = value; break;
                case "rid": rid = value; break;
                case "size": size = value; break;
                case "sha256": hash = value; break;
                default: break; // later formats may add fields; the signature covers them all
            }
        }
        if (format != "1")
        {
            throw Malformed($"format '{format}' is not 1");
        }
        if (version is null || !ReleaseVersion.TryParse(version, out _))
        {
            throw Malformed("no version of the form N.N.N");
        }
        if (rid is not { Length: > 0 and <= 64 })
        {
            throw Malformed("no rid");
        }
        if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length is <= 0 or > MaxSize)
        {
            throw Malformed($"size must be 1 to {MaxSize} bytes");
        }
        if (hash is not { Length: 64 })
        {
            throw Malformed("sha256 must be 64 hex digits");
        }
        byte[] digest;
        try
        {
            digest = Convert.FromHexString(hash);
        }
        catch (FormatException)
        {
            throw Malformed("sha256 must be 64 hex digits");
        }
        return new ReleaseManifest(version, rid, length, digest);
    }

    private static ReleaseRejectedException Malformed(string why) => new("malformed", $"the release's manifest is malformed: {why}");
}
