using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Rollouts;

/// <summary>
/// Signed agent releases: operators and admins upload the file `./build.sh sign-release` writes
/// (POST /releases, application/octet-stream), list and delete them. Nothing is kept that the
/// configured release keys did not sign.
/// </summary>
internal static class ReleaseEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/releases", async (HttpContext ctx, AgentReleaseStore releases) =>
        {
            Caller.Of(ctx).RequireStaff();
            var page = Paging.From(ctx, Paging.MaxLimit);
            return page.Answer(ctx, page.Slice(await releases.ListAsync()), PortalJsonContext.Default.IReadOnlyListAgentRelease);
        });
        api.MapGet("/releases/{id:long}", async (HttpContext ctx, long id, AgentReleaseStore releases) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Json(await releases.GetAsync(id) ?? throw ApiException.NotFound("release"), PortalJsonContext.Default.AgentRelease);
        });
        api.MapPost("/releases", async (HttpContext ctx, ReleaseUpload upload, ILogger<ReleaseUpload> log) =>
        {
            var caller = Caller.Of(ctx).RequireStaff();
            // The body goes to a private file as it arrives, never whole into memory; Kestrel cuts it at the cap.
            JsonBody.Limit(ctx, ReleaseUpload.MaxFile);
            try
            {
                var release = await upload.StoreAsync(ctx.Request.Body, ctx.Request.ContentLength, caller.User!.Login, ctx.RequestAborted);
                PortalLog.ReleaseStored(log, release.Version, release.Rid, release.Size, release.Sha256, caller.User.Login);
                return Results.Json(release, PortalJsonContext.Default.AgentRelease, statusCode: StatusCodes.Status201Created);
            }
            catch (ApiException e)
            {
                PortalLog.ReleaseRefused(log, caller.User!.Login, e.Message);
                throw;
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                PortalLog.ReleaseRefused(log, caller.User!.Login, e.Message);
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"a release file is at most {ReleaseUpload.MaxFile} bytes");
            }
        });
        api.MapDelete("/releases/{id:long}", async (HttpContext ctx, long id, AgentReleaseStore releases) =>
        {
            Caller.Of(ctx).RequireStaff();
            return await releases.DeleteAsync(id) switch
            {
                null => throw ApiException.NotFound("release"),
                false => throw ApiException.Conflict("a rollout in progress rolls this release out: cancel it first"),
                true => Results.NoContent(),
            };
        });
    }
}
