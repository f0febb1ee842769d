using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>A continuous move: speeds in the generic space, each -1 to 1; it lasts while it is renewed.</summary>
public sealed record PtzMoveInput(double? Pan, double? Tilt, double? Zoom);

/// <summary>A relative zoom step, -1 (out) to 1 (in).</summary>
public sealed record PtzZoomInput(double? Step);

/// <summary>A preset to save: a name, and the token of the preset it overwrites (else a new one).</summary>
public sealed record PtzPresetInput(string? Name, string? Token);

public sealed record PtzPresetView(string Token, string Name);

/// <summary>Where the camera says it points, in the generic spaces; null when it does not say.</summary>
public sealed record PtzStatusView(double? Pan, double? Tilt, double? Zoom);

/// <summary>
/// PTZ on a camera: for whoever has can_ptz on it (staff and the owner always). Callers who may
/// not even see the camera get "not found", as everywhere; those who may only watch get 403.
/// </summary>
internal static class PtzEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/cameras/{name}/ptz/move", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            var camera = await PtzCameraAsync(ctx, name, cameras, access);
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.PtzMoveInput);
            await ptz.MoveAsync(camera, Caller.Of(ctx), new PtzVector(body.Pan ?? 0, body.Tilt ?? 0, body.Zoom ?? 0), ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapPost("/cameras/{name}/ptz/stop", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            await ptz.StopAsync(await PtzCameraAsync(ctx, name, cameras, access), Caller.Of(ctx), ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapPost("/cameras/{name}/ptz/zoom", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            var camera = await PtzCameraAsync(ctx, name, cameras, access);
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.PtzZoomInput);
            await ptz.ZoomAsync(camera, Caller.Of(ctx), body.Step ?? throw ApiException.BadRequest("step is required"), ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapPost("/cameras/{name}/ptz/home", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            await ptz.HomeAsync(await PtzCameraAsync(ctx, name, cameras, access), Caller.Of(ctx), ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapGet("/cameras/{name}/ptz/status", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            var at = await ptz.StatusAsync(await PtzCameraAsync(ctx, name, cameras, access), ctx.RequestAborted);
            return Results.Json(new PtzStatusView(at?.Pan, at?.Tilt, at?.Zoom), PortalJsonContext.Default.PtzStatusView);
        });
        api.MapGet("/cameras/{name}/ptz/presets", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            var presets = await ptz.PresetsAsync(await PtzCameraAsync(ctx, name, cameras, access), ctx.RequestAborted);
            return Results.Json(presets.Select(p => new PtzPresetView(p.Token, p.Name)).ToList(), PortalJsonContext.Default.ListPtzPresetView);
        });
        api.MapPost("/cameras/{name}/ptz/presets", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            var camera = await PtzCameraAsync(ctx, name, cameras, access);
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.PtzPresetInput);
            var made = await ptz.SetPresetAsync(camera, Caller.Of(ctx), body.Name ?? throw ApiException.BadRequest("name is required"), body.Token, ctx.RequestAborted);
            return Results.Json(new PtzPresetView(made.Token, made.Name), PortalJsonContext.Default.PtzPresetView, statusCode: StatusCodes.Status201Created);
        });
        api.MapPost("/cameras/{name}/ptz/presets/{token}/goto", async (HttpContext ctx, string name, string token, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            await ptz.GotoPresetAsync(await PtzCameraAsync(ctx, name, cameras, access), Caller.Of(ctx), token, ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapDelete("/cameras/{name}/ptz/presets/{token}", async (HttpContext ctx, string name, string token, CameraStore cameras, CameraAccess access, PtzControl ptz) =>
        {
            await ptz.RemovePresetAsync(await PtzCameraAsync(ctx, name, cameras, access), Caller.Of(ctx), token, ctx.RequestAborted);
            return Results.NoContent();
        });
        api.MapGet("/cameras/{name}/ptz/audit", async (HttpContext ctx, string name, CameraStore cameras, PtzAuditStore audit) =>
        {
            Caller.Of(ctx).RequireStaff();
            var camera = await cameras.GetAsync(name) ?? throw ApiException.NotFound("camera");
            var page = Paging.From(ctx);
            return page.Answer(ctx, await audit.ListAsync(camera.Id, page.Fetch, page.Offset), PortalJsonContext.Default.IReadOnlyListPtzAuditEntry);
        });
    }

    private static async Task<Camera> PtzCameraAsync(HttpContext ctx, string name, CameraStore cameras, CameraAccess access)
    {
        var (camera, rights) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access).ConfigureAwait(false);
        if (!rights.Ptz)
        {
            throw Caller.Of(ctx).IsAuthenticated ? ApiException.Forbidden("you may not move this camera (it needs can_ptz)") : ApiException.Unauthorized();
        }
        return camera;
    }
}
