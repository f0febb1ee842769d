using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Cameras;

/// <summary>
/// /me/favorites: the caller's favorite cameras, by name. Only cameras the caller may see now are
/// listed or may be added (another is "not found", as everywhere); removing is always allowed.
/// </summary>
internal static class FavoriteEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/me/favorites", async (HttpContext ctx, FavoriteStore favorites, CameraStore cameras, CameraAccess access) =>
        {
            var caller = Caller.Of(ctx).RequireUser();
            var names = new List<string>();
            foreach (var id in await favorites.CameraIdsAsync(caller.UserId))
            {
                if (await cameras.GetAsync(id) is { } camera && (await access.RightsAsync(caller, camera)).View)
                {
                    names.Add(camera.Name);
                }
            }
            return Results.Json(names, PortalJsonContext.Default.ListString);
        });
        api.MapPut("/me/favorites/{name}", async (HttpContext ctx, string name, FavoriteStore favorites, CameraStore cameras, CameraAccess access) =>
        {
            var caller = Caller.Of(ctx).RequireUser();
            var (camera, _) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access);
            await favorites.AddAsync(caller.UserId, camera.Id);
            return Results.NoContent();
        });
        api.MapDelete("/me/favorites/{name}", async (HttpContext ctx, string name, FavoriteStore favorites, CameraStore cameras) =>
        {
            var caller = Caller.Of(ctx).RequireUser();
            if (await cameras.GetAsync(name) is { } camera)
            {
                await favorites.RemoveAsync(caller.UserId, camera.Id);
            }
            return Results.NoContent();
        });
    }
}
