using System.Globalization;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.Playback;

/// <summary>A clip asked for: unix seconds, <see cref="From"/> included, <see cref="To"/> excluded.</summary>
public sealed record ClipRequest(long? From, long? To);

/// <summary>A clip to download: the MP4 of exactly that range, with a token that opens nothing else and lives a short while.</summary>
public sealed record ClipAnswer(string Camera, long From, long To, long Duration, string Mp4, long ExpiresAt);

/// <summary>
/// POST /cameras/{name}/clips: the export of a range of the archive as an MP4 download
/// (archive-FROM-DURATION.mp4 on the camera's streamer). Needs the archive right on the camera now,
/// a range inside its depth that has ended, at most <see cref="MaxSeconds"/> long. The link's
/// token is an archive token bound to that camera and that range, valid for
/// <see cref="LinkSeconds"/> (shorter if the portal's playback tokens are): enough to start the
/// download, which the streamer then serves to its end.
/// </summary>
internal static class ClipEndpoints
{
    private const long SecondsPerDay = 86_400;
    public const long LinkSeconds = 900;
    /// <summary>The longest clip: what a streamer node's archive service serves in one range by default (MaxRangeSeconds).</summary>
    public const long MaxSeconds = 6 * 3600;

    public static void Map(IEndpointRouteBuilder api) => api.MapPost("/cameras/{name}/clips", ClipAsync);

    private static async Task<IResult> ClipAsync(HttpContext ctx, string name, CameraStore cameras, StreamerStore streamers, CameraAccess access,
        PortalSecrets secrets, PortalOptions options)
    {
        var caller = Caller.Of(ctx);
        var (camera, rights) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access).ConfigureAwait(false);
        if (!rights.Dvr)
        {
            throw caller.IsAuthenticated ? ApiException.Forbidden("you may not export this camera's archive (it needs can_dvr)") : ApiException.Unauthorized();
        }
        if (camera.DvrDepth <= 0)
        {
            throw ApiException.BadRequest("this camera keeps no archive (dvr_depth is 0)");
        }
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.ClipRequest, 4096).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var earliest = now - camera.DvrDepth * SecondsPerDay;
        if (body.From is not { } from || body.To is not { } to)
        {
            throw ApiException.BadRequest("from and to are required: unix times in seconds");
        }
        if (from < earliest || to > now || to <= from || to - from > MaxSeconds)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"from and to must lie within the camera's archive, {earliest} to {now} ({camera.DvrDepth} days), from before to, at most {MaxSeconds} s apart"));
        }
        var streamer = await PlaybackEndpoints.StreamerOfAsync(camera, streamers).ConfigureAwait(false);
        var expires = now + Math.Min(LinkSeconds, options.PlaybackTokenSeconds);
        var token = PlaybackToken.Issue(secrets.TokenKey, caller.UserId, camera.Name, PlaybackKind.Dvr, now, expires, from, to);
        var mp4 = PlaybackUrls.Archive(streamer, camera.Name, from, to - from, token).Mp4
            ?? throw ApiException.Conflict("the camera's streamer serves no MP4 of its archive");
        return Results.Json(new ClipAnswer(camera.Name, from, to, to - from, mp4, expires), PortalJsonContext.Default.ClipAnswer);
    }
}
