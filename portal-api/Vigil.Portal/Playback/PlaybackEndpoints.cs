using System.Globalization;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.Playback;

/// <summary>
/// GET /cameras/{name}/playback: where the caller watches a camera, with signed tokens that the
/// streamer's play hook checks. Live for whoever may view the camera; the archive only for those
/// with the dvr right, on a camera that keeps one, within its depth.
/// </summary>
internal static class PlaybackEndpoints
{
    private const long SecondsPerDay = 86_400;
    /// <summary>Without ?from=, the archive URLs open on the last hour (the token still opens the whole depth).</summary>
    private const long DefaultArchiveSeconds = 3600;

    public static void Map(IEndpointRouteBuilder api) => api.MapGet("/cameras/{name}/playback", PlaybackAsync);

    private static async Task<IResult> PlaybackAsync(HttpContext ctx, string name, CameraStore cameras, StreamerStore streamers, CameraAccess access,
        PortalSecrets secrets, PortalOptions options)
    {
        var caller = Caller.Of(ctx);
        var (camera, rights) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access).ConfigureAwait(false);
        var streamer = await StreamerOfAsync(camera, streamers).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expires = now + Lifetime(ctx, options.PlaybackTokenSeconds);
        var window = ArchiveWindow(ctx, camera, rights, now, expires);
        var live = PlaybackToken.Issue(secrets.TokenKey, caller.UserId, camera.Name, PlaybackKind.Live, now, expires);
        ArchivePlayback? archive = null;
        if (window is { } w)
        {
            var token = PlaybackToken.Issue(secrets.TokenKey, caller.UserId, camera.Name, PlaybackKind.Dvr, now, expires, w.TokenFrom, w.TokenTo);
            archive = PlaybackUrls.Archive(streamer, camera.Name, w.From, w.Duration, token);
        }
        var ice = TurnCredentials.For(streamer.PublicUrl, options.TurnSecret, options.TurnPort, caller.UserId, expires);
        var answer = new PlaybackAnswer(camera.Name, streamer.Name, PlaybackUrls.LiveWithWebRtc(streamer, camera.Name, live, ice), archive, expires);
        return Results.Json(answer, PortalJsonContext.Default.PlaybackAnswer);
    }

    /// <summary>The streamer the camera is placed on; 409 while it is on none.</summary>
    public static async Task<Streamer> StreamerOfAsync(Camera camera, StreamerStore streamers) =>
        (camera.StreamerId is { } id ? await streamers.GetAsync(id).ConfigureAwait(false) : null)
        ?? throw ApiException.Conflict("the camera is not placed on a streamer yet");

    /// <summary>
    /// ?expires_in=SECONDS shortens the links' life (a clip shared for a quarter of an hour): at least
    /// 60, at most PlaybackTokenSeconds, which is also the default. Never longer: a link outlives
    /// nothing the portal has not allowed.
    /// </summary>
    private static long Lifetime(HttpContext ctx, int longest)
    {
        var text = ctx.Request.Query["expires_in"].ToString();
        if (text.Length == 0)
        {
            return longest;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 60 || seconds > longest)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"expires_in must be a whole number of seconds from 60 to {longest}"));
        }
        return seconds;
    }

    /// <summary>What the archive URLs show (From, Duration) and what their token opens (TokenFrom..TokenTo).</summary>
    private readonly record struct Window(long From, long Duration, long TokenFrom, long TokenTo);

    /// <summary>
    /// Null when the caller gets no archive. ?from=UNIX&amp;duration=SECONDS must lie within the
    /// camera's depth and end by now; the token is then bound to exactly that window. Without them
    /// the token opens the whole depth up to its own expiry, so that a player may seek and timeshift.
    /// </summary>
    private static Window? ArchiveWindow(HttpContext ctx, Camera camera, CameraRights rights, long now, long expires)
    {
        var fromText = ctx.Request.Query["from"].ToString();
        var durationText = ctx.Request.Query["duration"].ToString();
        var asked = fromText.Length > 0 || durationText.Length > 0;
        if (!rights.Dvr || camera.DvrDepth <= 0)
        {
            if (!asked)
            {
                return null;
            }
            throw rights.Dvr ? ApiException.BadRequest("this camera keeps no archive (dvr_depth is 0)") : ApiException.Forbidden("you may not watch this camera's archive");
        }
        var earliest = now - camera.DvrDepth * SecondsPerDay;
        if (!asked)
        {
            var start = Math.Max(earliest, now - DefaultArchiveSeconds);
            return new Window(start, now - start, earliest, expires);
        }
        if (fromText.Length == 0)
        {
            throw ApiException.BadRequest("duration needs from");
        }
        if (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
        {
            throw ApiException.BadRequest("from must be a unix time in seconds");
        }
        long duration;
        if (durationText.Length == 0)
        {
            duration = now - from;
        }
        else if (!long.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out duration))
        {
            throw ApiException.BadRequest("duration must be a whole number of seconds");
        }
        if (from < earliest || duration < 1 || from > now - duration)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"from and duration must lie within the camera's archive: {earliest} to {now} ({camera.DvrDepth} days), at least one second"));
        }
        return new Window(from, duration, from, from + duration);
    }
}
