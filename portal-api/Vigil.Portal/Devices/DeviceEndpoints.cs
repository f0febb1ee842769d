using System.Text.Json;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Relays;
using Vigil.Protocol.Server;
using Vigil.Protocol.Tunnels;

namespace Vigil.Portal.Devices;

public sealed record BindInput(string? Camera, string? User);
public sealed record ClaimInput(string? Serial, string? Pin, string? Fingerprint);
public sealed record StickerInput(string? Serial, string? Pin, string? Fingerprint);
public sealed record TunnelTokenInput(int? Port, int? TtlSeconds);
public sealed record TunnelTokenIssued(string Token, string DeviceId, int Port, long ExpiresAt, string? RelayNode, string? Relay);

/// <summary>
/// Devices: operators approve, reject, revoke and bind them, send commands and issue tunnel tokens;
/// any user claims one with the serial and PIN of its sticker.
/// </summary>
internal static class DeviceEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/devices", async (HttpContext ctx, DeviceStore devices) =>
        {
            Caller.Of(ctx).RequireStaff();
            var state = ctx.Request.Query["state"].ToString();
            if (state.Length > 0 && state is not (DeviceStates.Pending or DeviceStates.Approved or DeviceStates.Rejected or DeviceStates.Revoked))
            {
                throw ApiException.BadRequest("state must be pending, approved, rejected or revoked");
            }
            var page = Paging.From(ctx);
            var list = await devices.ListAsync(state.Length == 0 ? null : state, page.Fetch, page.Offset, page.After is null ? null : page.ReadCursor());
            return page.Answer(ctx, list, PortalJsonContext.Default.IReadOnlyListDevice, d => Paging.Cursor(d.FirstSeen, d.Id));
        });
        api.MapGet("/devices/{id}", async (HttpContext ctx, string id, DeviceStore devices) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Json(await devices.GetAsync(id) ?? throw ApiException.NotFound("device"), PortalJsonContext.Default.Device);
        });
        api.MapPost("/devices/{id}/approve", (HttpContext ctx, string id, DeviceApproval approval) => ChangeAsync(ctx, id, DeviceStates.Approved, approval))
            .AddEndpointFilter(DeviceRefusalFilter.InvokeAsync);
        api.MapPost("/devices/{id}/reject", (HttpContext ctx, string id, DeviceApproval approval) => ChangeAsync(ctx, id, DeviceStates.Rejected, approval))
            .AddEndpointFilter(DeviceRefusalFilter.InvokeAsync);
        api.MapPost("/devices/{id}/revoke", (HttpContext ctx, string id, DeviceApproval approval) => ChangeAsync(ctx, id, DeviceStates.Revoked, approval))
            .AddEndpointFilter(DeviceRefusalFilter.InvokeAsync);
        api.MapPost("/devices/{id}/bind", async (HttpContext ctx, string id, DeviceBinding binding, UserStore users) =>
        {
            var caller = Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.BindInput);
            if (body.User is { Length: > 0 } login)
            {
                if (!string.IsNullOrEmpty(body.Camera))
                {
                    throw ApiException.BadRequest("bind to a camera or to a user, not both");
                }
                var user = await users.FindByLoginAsync(login) ?? throw ApiException.BadRequest($"no user '{login}'");
                return Results.Json(await binding.BindUserAsync(id, user, caller.User!.Login, ctx.RequestAborted), PortalJsonContext.Default.Device);
            }
            return Results.Json(await binding.BindCameraAsync(id, body.Camera, caller.User!.Login, ctx.RequestAborted), PortalJsonContext.Default.Device);
        }).AddEndpointFilter(DeviceRefusalFilter.InvokeAsync);
        api.MapPost("/devices/claim", async (HttpContext ctx, StickerClaims claims) =>
        {
            var caller = Caller.Of(ctx).RequireUser();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.ClaimInput);
            Check.Throw(string.IsNullOrEmpty(body.Serial) || string.IsNullOrEmpty(body.Pin) ? "serial and pin are required" : null,
                Check.LengthError("serial", body.Serial, 100), Check.LengthError("pin", body.Pin, 100), FingerprintError(body.Fingerprint));
            var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
            return Results.Json(await claims.ClaimAsync(caller, body.Serial!, body.Pin!, StickerClaim.NormalizeFingerprint(body.Fingerprint), address, ctx.RequestAborted),
                PortalJsonContext.Default.Camera);
        }).AddEndpointFilter(DeviceRefusalFilter.InvokeAsync);
        api.MapPost("/stickers", async (HttpContext ctx, DeviceStore devices, PasswordHasher hasher) =>
        {
            Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.StickerInput);
            Check.Throw(string.IsNullOrEmpty(body.Serial) ? "serial is required" : null, Check.LengthError("serial", body.Serial, 100),
                body.Pin is not { Length: >= 6 and <= 64 } ? "pin must be 6 to 64 characters" : null, FingerprintError(body.Fingerprint));
            await devices.SetStickerAsync(body.Serial!, hasher.Hash(body.Pin!), StickerClaim.NormalizeFingerprint(body.Fingerprint) ?? "");
            return Results.NoContent();
        });
        api.MapPost("/devices/{id}/commands", async (HttpContext ctx, string id, DeviceStore devices, RelayStore relays, RelayClient client) =>
        {
            Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.NodeCommand);
            Check.Throw(string.IsNullOrEmpty(body.Name) ? "name is required" : null, Check.LengthError("name", body.Name, 64),
                body.TimeoutMs is < 1 or > 60_000 ? "timeout_ms must be 1 to 60,000" : null);
            var device = await devices.GetAsync(id) ?? throw ApiException.NotFound("device");
            var node = (device.Connected ? await relays.ReachableAsync(device.RelayNode) : null)
                ?? throw ApiException.Conflict("the device is not connected to any known relay");
            var (status, answer) = await client.CommandAsync(node, id, JsonSerializer.Serialize(body, NodeJsonContext.Default.NodeCommand), ctx.RequestAborted);
            return Results.Text(answer, "application/json", statusCode: status);
        });
        api.MapPost("/devices/{id}/tunnel-token", async (HttpContext ctx, string id, DeviceStore devices, RelayStore relays, PortalSecrets secrets) =>
        {
            var caller = Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.TunnelTokenInput);
            Check.Throw(body.Port is not (> 0 and < 65536) ? "port must be 1 to 65535" : null,
                body.TtlSeconds is < 10 or > 3600 ? "ttl_seconds must be 10 to 3,600" : null);
            var device = await devices.GetAsync(id) ?? throw ApiException.NotFound("device");
            if (device.State != DeviceStates.Approved)
            {
                throw ApiException.Conflict($"the device is {device.State}, not approved");
            }
            var now = DateTimeOffset.UtcNow;
            var token = new TunnelToken
            {
                DeviceId = id,
                Port = body.Port!.Value,
                IssuedAt = now,
                ExpiresAt = now.AddSeconds(body.TtlSeconds ?? 300),
                Subject = caller.User!.Login,
            };
            var node = device.RelayNode is { } n ? await relays.GetAsync(n) : null;
            return Results.Json(new TunnelTokenIssued(token.Sign(secrets.TunnelSigningKey), id, token.Port, token.ExpiresAt.ToUnixTimeMilliseconds(),
                device.RelayNode, node?.ApiUrl), PortalJsonContext.Default.TunnelTokenIssued);
        });
        api.MapGet("/tunnel-key", (HttpContext ctx, PortalSecrets secrets) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Text(Convert.ToBase64String(secrets.TunnelPublicKey) + "\n");
        });
    }

    /// <summary>An optional key fingerprint, as "vigil-agent id" prints it.</summary>
    private static string? FingerprintError(string? fingerprint) =>
        string.IsNullOrWhiteSpace(fingerprint) || StickerClaim.NormalizeFingerprint(fingerprint) is not null ? null
            : "fingerprint must be a key fingerprint as vigil-agent id prints it (eight groups of four hex digits, colon-separated)";

    private static async Task<IResult> ChangeAsync(HttpContext ctx, string id, string state, DeviceApproval approval)
    {
        var caller = Caller.Of(ctx).RequireStaff();
        return Results.Json(await approval.SetStateAsync(id, state, caller.User!.Login, ctx.RequestAborted).ConfigureAwait(false), PortalJsonContext.Default.Device);
    }
}
