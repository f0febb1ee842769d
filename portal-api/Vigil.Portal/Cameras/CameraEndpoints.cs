using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Cameras;

/// <summary>A camera as written by a client: every field optional on PATCH, names resolved to ids here.</summary>
public sealed record CameraInput(
    string? Name, string? Title, string? StreamUrl, string? SubstreamUrl, int? DvrDepth, bool? Enabled, string? Access,
    string? Group, string? AgentSerial, string? Coordinates, string? PostalAddress, string? Comment, string? Streamer);

internal static class CameraEndpoints
{
    public static readonly string[] StreamSchemes = ["rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt", "udp", "fake", "onvif"];

    public static void Map(IEndpointRouteBuilder api)
    {
        // Anonymous callers get the public cameras; users those they may see; staff every one.
        api.MapGet("/cameras", async (HttpContext ctx, CameraStore cameras) =>
        {
            var caller = Caller.Of(ctx);
            var page = Paging.From(ctx);
            var search = ctx.Request.Query["q"].ToString().Trim();
            Check.Throw(Check.LengthError("q", search, 100));
            var list = await cameras.ListVisibleAsync(caller.UserId, caller.IsStaff, caller.IsAuthenticated, page.Fetch, page.Offset, page.After, search.Length > 0 ? search : null);
            foreach (var camera in list)
            {
                camera.ShowSource(caller.IsStaff);
            }
            return page.Answer(ctx, list, PortalJsonContext.Default.IReadOnlyListCamera, c => c.Name);
        });
        api.MapGet("/cameras/{name}", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access) =>
            Results.Json((await VisibleAsync(ctx, name, cameras, access)).Camera.ShowSource(Caller.Of(ctx).IsStaff), PortalJsonContext.Default.Camera));
        api.MapPost("/cameras", CreateAsync);
        api.MapPatch("/cameras/{name}", UpdateAsync);
        api.MapDelete("/cameras/{name}", async (HttpContext ctx, string name, CameraStore cameras, Hooks.PlayAuthorizer decisions) =>
        {
            Caller.Of(ctx).RequireStaff();
            var camera = await cameras.GetAsync(name) ?? throw ApiException.NotFound("camera");
            await cameras.DeleteAsync(camera.Id);
            decisions.Invalidate();
            return Results.NoContent();
        });
    }

    /// <summary>
    /// The camera and the caller's rights on it, if the caller may see it. A camera the caller may not
    /// see is answered as one that does not exist: 404 to a user, 401 (log in first) to an anonymous
    /// caller whether the name exists or not, so that nobody learns which private names exist.
    /// </summary>
    public static async Task<(Camera Camera, CameraRights Rights)> VisibleAsync(HttpContext ctx, string name, CameraStore cameras, CameraAccess access)
    {
        var camera = await cameras.GetAsync(name).ConfigureAwait(false);
        var rights = camera is null ? CameraRights.None : await access.RightsAsync(Caller.Of(ctx), camera).ConfigureAwait(false);
        if (camera is null || !rights.View)
        {
            throw Caller.Of(ctx).IsAuthenticated ? ApiException.NotFound("camera") : ApiException.Unauthorized();
        }
        return (camera, rights);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, CameraStore cameras, UserStore users, StreamerStore streamers)
    {
        Caller.Of(ctx).RequireStaff();
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.CameraInput).ConfigureAwait(false);
        Check.Throw(Check.NameError("name", body.Name));
        var camera = new Camera { Name = body.Name! };
        await ApplyAsync(camera, body, staff: true, users, streamers).ConfigureAwait(false);
        var created = await cameras.CreateAsync(camera).ConfigureAwait(false) ?? throw ApiException.Conflict($"camera '{body.Name}' exists");
        return Results.Json((await cameras.GetAsync(created.Id))?.ShowSource(staff: true), PortalJsonContext.Default.Camera, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(HttpContext ctx, string name, CameraStore cameras, CameraAccess access, UserStore users,
        StreamerStore streamers, Hooks.PlayAuthorizer decisions, DeviceStore devices, Devices.DeviceAssignments lifecycle)
    {
        var caller = Caller.Of(ctx);
        var (camera, rights) = await VisibleAsync(ctx, name, cameras, access).ConfigureAwait(false);
        if (!rights.Manage)
        {
            throw ApiException.Forbidden("you may not change this camera");
        }
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.CameraInput).ConfigureAwait(false);
        if (body.Name is not null && body.Name != camera.Name)
        {
            throw ApiException.BadRequest("name cannot be changed");
        }
        var streamed = (camera.StreamerId, camera.StreamUrl, camera.Enabled);
        await ApplyAsync(camera, body, caller.IsStaff, users, streamers).ConfigureAwait(false);
        await cameras.UpdateAsync(camera).ConfigureAwait(false);
        decisions.Invalidate();
        // Another streamer (a rebalance), source or switch: the bound agent is told now, not at its next
        // hello. A claimed camera gets its stream address after the claim, and its agent streams then.
        if ((camera.StreamerId, camera.StreamUrl, camera.Enabled) != streamed && await devices.BoundToAsync(camera.Id).ConfigureAwait(false) is { } device)
        {
            await lifecycle.PushAssignmentAsync(device.Id, ctx.RequestAborted).ConfigureAwait(false);
        }
        return Results.Json((await cameras.GetAsync(camera.Id))?.ShowSource(caller.IsStaff), PortalJsonContext.Default.Camera);
    }

    /// <summary>What is wrong with a camera's fields as written, shared by the JSON API and the CSV import.</summary>
    internal static string?[] FieldErrors(CameraInput body) =>
    [
        Check.LengthError("title", body.Title, 200),
        Check.UrlError("stream_url", body.StreamUrl, StreamSchemes),
        Check.UrlError("substream_url", body.SubstreamUrl, StreamSchemes),
        body.DvrDepth is < 0 or > 3650 ? "dvr_depth must be 0 to 3650 days" : null,
        body.Access is not null && !CameraAccessLevels.IsValid(body.Access) ? "access must be private, authorized or public" : null,
        Check.LengthError("agent_serial", body.AgentSerial, 100),
        Check.LengthError("coordinates", body.Coordinates, 100),
        Check.LengthError("postal_address", body.PostalAddress, 500),
        Check.LengthError("comment", body.Comment, 2000),
    ];

    /// <summary>
    /// Copies the given fields onto the camera. Who may see and record it (access, group, archive
    /// depth, streamer, agent) and where its agent connects (stream_url, substream_url: the agent
    /// opens whatever address they hold, from inside the camera's network) are for staff; a user who
    /// manages a camera edits its description.
    /// </summary>
    private static async Task ApplyAsync(Camera camera, CameraInput body, bool staff, UserStore users, StreamerStore streamers)
    {
        Check.Throw(FieldErrors(body));
        if (!staff && (body.DvrDepth is not null || body.Access is not null || body.Group is not null || body.Streamer is not null || body.AgentSerial is not null))
        {
            throw ApiException.Forbidden("only operators change a camera's access, group, archive, streamer or agent");
        }
        if (!staff && (body.StreamUrl is not null || body.SubstreamUrl is not null))
        {
            throw ApiException.Forbidden("only operators set where a camera's agent connects (stream_url, substream_url)");
        }
        camera.Title = body.Title ?? camera.Title;
        camera.StreamUrl = body.StreamUrl ?? camera.StreamUrl;
        camera.SubstreamUrl = body.SubstreamUrl ?? camera.SubstreamUrl;
        camera.DvrDepth = body.DvrDepth ?? camera.DvrDepth;
        camera.Enabled = body.Enabled ?? camera.Enabled;
        camera.Access = body.Access ?? camera.Access;
        camera.AgentSerial = body.AgentSerial ?? camera.AgentSerial;
        camera.Coordinates = body.Coordinates ?? camera.Coordinates;
        camera.PostalAddress = body.PostalAddress ?? camera.PostalAddress;
        camera.Comment = body.Comment ?? camera.Comment;
        if (body.Group is not null)
        {
            camera.GroupId = body.Group.Length == 0 ? null : (await users.FindGroupAsync(body.Group).ConfigureAwait(false) ?? throw ApiException.BadRequest($"no group '{body.Group}'")).Id;
        }
        if (body.Streamer is not null)
        {
            camera.StreamerId = body.Streamer.Length == 0 ? null : (await streamers.FindAsync(body.Streamer).ConfigureAwait(false) ?? throw ApiException.BadRequest($"no streamer '{body.Streamer}'")).Id;
        }
    }
}
