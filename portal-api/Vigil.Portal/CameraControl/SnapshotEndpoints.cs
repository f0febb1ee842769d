using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>A still of a camera, for whoever may watch it live: the grid shows these instead of a player per tile.</summary>
internal static class SnapshotEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/cameras/{name}/snapshot", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, SnapshotService stills) =>
        {
            var (camera, _) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access);
            var jpeg = await stills.GetAsync(camera).WaitAsync(ctx.RequestAborted);
            // Private: the still is as guarded as the live video; kept by the browser no longer than here.
            ctx.Response.Headers.CacheControl = $"private, max-age={SnapshotService.CacheFor.TotalSeconds:0}";
            return Results.Bytes(jpeg, "image/jpeg");
        });
    }
}
