using System.Text.Json.Serialization;

namespace Vigil.Portal.Discovery;

/// <summary>
/// The part of vigil-scan's JSON (format "vigil-scan/1", docs/scan.md) that the import reads.
/// Fields it does not read are skipped rather than refused: a compatible addition to the format
/// keeps the same format name, and an older portal must still take the newer scanner's output.
/// Everything is nullable so that a document of another kind is told apart from a broken scan.
/// </summary>
public sealed record ScanDocument(string? Format, IReadOnlyList<ScanDevice?>? Devices)
{
    public const string FormatName = "vigil-scan/1";
}

public sealed record ScanDevice(string? Address, string? Manufacturer, string? Model, string? Serial, string? Name, string? Mac, ScanOnvif? Onvif,
    IReadOnlyList<ScanStream?>? Streams);

public sealed record ScanOnvif(string? Address, string? Error);

public sealed record ScanStream(string? Profile, string? Name, string? Encoding, int? Width, int? Height, string? Rtsp, string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ScanDocument))]
internal sealed partial class ScanJsonContext : JsonSerializerContext;
