using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Discovery;

public sealed record OnvifInput(int? Port, string? User, string? Password);
public sealed record OnvifIdentity(string? Manufacturer, string? Model, string? Firmware, string? Serial, string? HardwareId);
public sealed record OnvifProfileInfo(string Profile, string? Name, string? Encoding, int? Width, int? Height, string? Rtsp, string? Snapshot, string? Error, string Source);
public sealed record OnvifAnswer(string DeviceId, int Port, OnvifIdentity? Information, IReadOnlyList<OnvifProfileInfo> Profiles, string? Error);

/// <summary>
/// Camera discovery in the portal: cameras made from a vigil-scan document, and the ONVIF client
/// run through an agent's tunnel to see what a camera behind NAT offers. Operators and admins only.
/// </summary>
internal static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/cameras/import-scan", ImportScanAsync);
        api.MapPost("/devices/{id}/onvif", OnvifAsync);
    }

    private static async Task<IResult> ImportScanAsync(HttpContext ctx, ScanImport import, UserStore users)
    {
        Caller.Of(ctx).RequireStaff();
        var query = ctx.Request.Query;
        var profile = query["profile"].ToString() is { Length: > 0 } p ? p : ScanImport.MainProfile;
        var access = query["access"].ToString() is { Length: > 0 } a ? a : CameraAccessLevels.Private;
        var group = query["group"].ToString();
        Check.Throw(Check.LengthError("profile", profile, 64),
            !CameraAccessLevels.IsValid(access) ? "access must be private, authorized or public" : null);
        long? groupId = group.Length == 0 ? null : (await users.FindGroupAsync(group) ?? throw ApiException.BadRequest($"no group '{group}'")).Id;
        ScanDocument scan;
        try
        {
            scan = await JsonBody.ReadAsync(ctx, ScanJsonContext.Default.ScanDocument, ScanImport.MaxBytes);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body is not vigil-scan JSON (the output of vigil-scan --json): {e.Message}");
        }
        if (scan.Format != ScanDocument.FormatName)
        {
            throw ApiException.BadRequest(scan.Format is null
                ? $"the body is not vigil-scan JSON: it has no \"format\"; send the output of vigil-scan --json ({ScanDocument.FormatName})"
                : $"format \"{(scan.Format.Length > 64 ? scan.Format[..64] + "..." : scan.Format)}\" is not one this portal reads; it reads {ScanDocument.FormatName}");
        }
        if (scan.Devices is null)
        {
            throw ApiException.BadRequest("the scan has no \"devices\" list");
        }
        var result = await import.ImportAsync(scan, new ScanImportOptions(profile, access, groupId));
        return Results.Json(result, DiscoveryJsonContext.Default.ScanImportResult);
    }

    private static async Task<IResult> OnvifAsync(HttpContext ctx, string id, OnvifThroughAgent onvif)
    {
        Caller.Of(ctx).RequireStaff();
        var body = await JsonBody.ReadAsync(ctx, DiscoveryJsonContext.Default.OnvifInput);
        Check.Throw(body.Port is not null and not (> 0 and < 65536) ? "port must be 1 to 65535" : null,
            Check.LengthError("user", body.User, 256), Check.LengthError("password", body.Password, 256),
            string.IsNullOrEmpty(body.User) && !string.IsNullOrEmpty(body.Password) ? "a password needs a user" : null);
        var port = body.Port ?? OnvifSource.DefaultPort;
        var credentials = string.IsNullOrEmpty(body.User) ? null : new OnvifCredentials(body.User, body.Password ?? "");
        Vigil.Onvif.Scanning.OnvifQueryOutcome outcome;
        try
        {
            outcome = await onvif.QueryAsync(id, port, credentials, ctx.RequestAborted);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status504GatewayTimeout, $"the camera did not answer within {OnvifThroughAgent.QueryTimeout.TotalSeconds:0} s");
        }
        // The library words its hint for vigil-scan's command line.
        var error = outcome.Error?.Replace("(give --user and --password)", "(give user and password)", StringComparison.Ordinal);
        if (outcome.Answered is null)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"no ONVIF answer on port {port} through the agent: {error}");
        }
        var info = outcome.Information is { } i ? new OnvifIdentity(i.Manufacturer, i.Model, i.FirmwareVersion, i.SerialNumber, i.HardwareId) : null;
        var profiles = outcome.Streams
            .Select(s => new OnvifProfileInfo(s.Token, s.Name, s.VideoEncoding, s.Width, s.Height, s.RtspUri, s.SnapshotUri, s.Error,
                $"{OnvifSource.Scheme}://127.0.0.1:{port}/{Uri.EscapeDataString(s.Token)}"))
            .ToList();
        return Results.Json(new OnvifAnswer(id, port, info, profiles, error), DiscoveryJsonContext.Default.OnvifAnswer);
    }
}

/// <summary>The discovery API's types, serialized like every other portal type (snake_case, unknown fields refused).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ScanImportResult))]
[JsonSerializable(typeof(OnvifInput))]
[JsonSerializable(typeof(OnvifAnswer))]
internal sealed partial class DiscoveryJsonContext : JsonSerializerContext;
