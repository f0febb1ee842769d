using System.Text;
using Vigil.Portal.Api;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.Discovery;

/// <summary>
/// How cameras are made from a scan: which profile is the main stream ("main": the highest
/// resolution, the first of equals; "first"; or a profile token), and who may see them.
/// </summary>
public sealed record ScanImportOptions(string Profile, string Access, long? GroupId);

public sealed record ScanImportError(string Device, string Error);

public sealed record ScanImportResult(int Created, int Skipped, IReadOnlyList<ScanImportError> Errors);

/// <summary>
/// Makes a camera of every device of a vigil-scan document that has an RTSP address. A device
/// whose camera exists already (the same name, or the same stream address) is skipped, so a scan
/// can be imported again after the LAN changed. Stream addresses are stored as the scan gives
/// them: with credentials only if the installer gave them to the scan. No address is logged.
/// </summary>
public sealed class ScanImport(CameraStore cameras, ILogger<ScanImport> log)
{
    public const long MaxBytes = 8L * 1024 * 1024;
    public const string MainProfile = "main";
    public const string FirstProfile = "first";
    private const int MaxName = 64;

    public async Task<ScanImportResult> ImportAsync(ScanDocument scan, ScanImportOptions options)
    {
        var planned = new List<Camera>();
        var errors = new List<ScanImportError>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var device in scan.Devices ?? [])
        {
            index++;
            var label = device?.Address is { Length: > 0 } a ? a : $"device {index}";
            var (camera, error) = device is null ? (null, "not a device object") : Plan(device, options);
            if (camera is null)
            {
                errors.Add(new ScanImportError(label, error!));
                continue;
            }
            camera.Name = Unique(camera.Name, names);
            planned.Add(camera);
        }
        var known = await cameras.ExistingStreamUrlsAsync(planned.Select(c => c.StreamUrl).ToList()).ConfigureAwait(false);
        int created = 0, skipped = 0;
        foreach (var camera in planned)
        {
            // A stream address already in use (or twice in this scan) is a camera the portal has.
            if (!known.Add(camera.StreamUrl) || await cameras.CreateAsync(camera).ConfigureAwait(false) is null)
            {
                skipped++;
                continue;
            }
            created++;
        }
        PortalLog.ScanImported(log, created, skipped, errors.Count);
        return new ScanImportResult(created, skipped, errors);
    }

    /// <summary>The camera a device becomes, or why it cannot become one.</summary>
    private static (Camera? Camera, string? Error) Plan(ScanDevice d, ScanImportOptions options)
    {
        var streams = (d.Streams ?? []).Where(s => s is { Rtsp.Length: > 0 }).Select(s => s!).ToList();
        if (streams.Count == 0)
        {
            return (null, NoStreamReason(d));
        }
        var main = options.Profile switch
        {
            // OrderByDescending is stable: among equal resolutions (or none known) the first wins.
            MainProfile => streams.OrderByDescending(s => (long)(s.Width ?? 0) * (s.Height ?? 0)).First(),
            FirstProfile => streams[0],
            var token => streams.FirstOrDefault(s => s.Profile == token),
        };
        if (main is null)
        {
            return (null, $"no profile '{options.Profile}' with an RTSP address (it has {string.Join(", ", streams.Select(s => s.Profile))})");
        }
        if (Check.UrlError("rtsp", main.Rtsp, CameraEndpoints.StreamSchemes) is { } bad)
        {
            return (null, $"profile {main.Profile}: {bad}");
        }
        var sub = streams.FirstOrDefault(s => !ReferenceEquals(s, main) && s.Rtsp != main.Rtsp && Check.UrlError("rtsp", s.Rtsp, CameraEndpoints.StreamSchemes) is null);
        var name = BaseName(d);
        if (name is null)
        {
            return (null, "neither a serial nor an address to name a camera after");
        }
        return (new Camera
        {
            Name = name,
            Title = Cut(Title(d), 200),
            StreamUrl = main.Rtsp!,
            SubstreamUrl = sub?.Rtsp ?? "",
            Access = options.Access,
            GroupId = options.GroupId,
            Comment = Cut(Comment(d), 2000),
        }, null);
    }

    private static string NoStreamReason(ScanDevice d) =>
        d.Onvif?.Error is { Length: > 0 } onvif ? $"no RTSP address: {onvif}"
        : d.Streams?.FirstOrDefault(s => s?.Error is { Length: > 0 })?.Error is { } stream ? $"no RTSP address: {stream}"
        : d.Onvif is null ? "no RTSP address: no ONVIF service answered the scan"
        : "no RTSP address: the scan read no profiles (run vigil-scan with --user and --password)";

    /// <summary>The maker and the serial ("dahua-4l0a2b3paj12345"), else the maker and the address ("axis-10-77-1-12").</summary>
    internal static string? BaseName(ScanDevice d)
    {
        var key = Slug(d.Serial) ?? Slug(d.Address);
        if (key is null)
        {
            return null;
        }
        var name = $"{Slug(d.Manufacturer) ?? "cam"}-{key}";
        return name.Length <= MaxName ? name : name[..MaxName].TrimEnd('-');
    }

    /// <summary>Lower case letters, digits and '_'; every other run of characters becomes one '-'.</summary>
    private static string? Slug(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(ch) || ch == '_')
            {
                sb.Append(ch);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }
        var slug = sb.ToString().Trim('-');
        return slug.Length == 0 ? null : slug;
    }

    /// <summary>Two devices of one scan that would get the same name (a serial seen twice) get "-2", "-3"...</summary>
    private static string Unique(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var i = 2; !taken.Add(candidate); i++)
        {
            var suffix = "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            candidate = (name.Length + suffix.Length <= MaxName ? name : name[..(MaxName - suffix.Length)].TrimEnd('-')) + suffix;
        }
        return candidate;
    }

    private static string Title(ScanDevice d) =>
        $"{d.Manufacturer} {d.Model}".Trim() is { Length: > 0 } t ? t : d.Name ?? d.Address ?? "";

    private static string Comment(ScanDevice d)
    {
        var parts = new List<string>();
        if (d.Onvif?.Address is { Length: > 0 } onvif)
        {
            parts.Add($"ONVIF {onvif}");
        }
        if (d.Serial is { Length: > 0 } serial)
        {
            parts.Add($"serial {serial}");
        }
        if (d.Mac is { Length: > 0 } mac)
        {
            parts.Add($"MAC {mac}");
        }
        return string.Join("; ", parts);
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}
