using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Discovery;

namespace Vigil.Portal.Api;

/// <summary>Camera discovery in the portal: cameras made from a vigil-scan document. Operators and admins only.</summary>
internal static class DiscoveryEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/cameras/import-scan", ImportScanAsync);
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
}

/// <summary>The discovery API's types, serialized like every other portal type (snake_case, unknown fields refused).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ScanImportResult))]
internal sealed partial class DiscoveryJsonContext : JsonSerializerContext;
