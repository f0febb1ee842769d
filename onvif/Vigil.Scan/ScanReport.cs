using System.Net;
using System.Text.Json.Serialization;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan;

/// <summary>
/// The JSON output of vigil-scan, format "vigil-scan/1" (docs/scan.md). Every field is always
/// present; unknown values are null. The portal imports this, so a change here is a format change.
/// </summary>
internal sealed record ScanReport(
    string Format,
    DateTimeOffset StartedAt,
    long DurationMs,
    IReadOnlyList<string> Interfaces,
    IReadOnlyList<string> Ranges,
    long DatagramsIgnored,
    long DatagramsDropped,
    IReadOnlyList<ReportDevice> Devices)
{
    public const string FormatName = "vigil-scan/1";

    public static ScanReport From(ScanResult result) => new(
        FormatName,
        result.StartedAt,
        (long)result.Duration.TotalMilliseconds,
        result.Interfaces,
        result.Ranges,
        result.DatagramsRefused,
        result.DatagramsDropped,
        result.Devices.Select(ReportDevice.From).ToList());
}

internal sealed record ReportDevice(
    string Address,
    IReadOnlyList<string> Addresses,
    string? Interface,
    string? Manufacturer,
    string? Model,
    string? Serial,
    string? Firmware,
    string? HardwareId,
    string? Name,
    string? Mac,
    IReadOnlyList<string> Protocols,
    ReportOnvif? Onvif,
    IReadOnlyList<ReportStream> Streams,
    IReadOnlyList<string> Services,
    int? HttpPort,
    long FirstSeenMs)
{
    public static ReportDevice From(DiscoveredDevice d) => new(
        Text(d.Address),
        d.Addresses.Select(Text).ToList(),
        d.Interface,
        d.Manufacturer,
        d.Model,
        d.Serial,
        d.Firmware,
        d.HardwareId,
        d.Name,
        d.Mac,
        ScanProtocolNames.Names(d.Protocols),
        d.OnvifAddress is null && d.Endpoints.Count == 0 ? null : new ReportOnvif(
            d.OnvifAddress?.ToString(),
            d.XAddrs.Select(x => x.ToString()).ToList(),
            d.Endpoints,
            d.Scopes,
            d.OnvifProfiles,
            d.OnvifError),
        d.Streams.Select(s => new ReportStream(s.Token, s.Name, s.VideoEncoding, s.Width, s.Height, s.RtspUri, s.SnapshotUri, s.Error)).ToList(),
        d.Services,
        d.HttpPort,
        (long)d.FirstSeen.TotalMilliseconds);

    private static string Text(IPAddress a) => a.ToString();
}

internal sealed record ReportOnvif(
    string? Address,
    IReadOnlyList<string> Xaddrs,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Profiles,
    string? Error);

internal sealed record ReportStream(
    string Profile,
    string? Name,
    string? Encoding,
    int? Width,
    int? Height,
    string? Rtsp,
    string? Snapshot,
    string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ScanReport))]
internal sealed partial class ScanReportJson : JsonSerializerContext;
