using System.Globalization;
using System.Text;
using Vigil.Portal.Api;
using Vigil.Portal.Playback;

namespace Vigil.Portal.Hooks;

/// <summary>
/// Flussonic's authorization backend. Play (auth / on_play): a GET with name, token, ip, proto,
/// request_type (new_session, update_session), request_number, session_id, qs, and from older
/// versions media_request, which tells archive requests from live ones. 200 allows, with X-UserId and
/// X-Max-Sessions (Flussonic's per-viewer session limit) and X-AuthDuration (when Flussonic asks
/// again), and a JSON body whose allowed_dvr_ranges is the token's archive window (none for a live
/// token); 403 denies. Publish (on_publish): a JSON POST with the same fields; 200 or 403.
/// </summary>
internal static class FlussonicHook
{
    public const string Dialect = "flussonic";
    /// <summary>X-Max-Sessions: a viewer may hold this many sessions at once on one Flussonic (a wall of cameras, a few devices).</summary>
    public const int MaxSessionsPerUser = 16;
    /// <summary>X-AuthDuration: how long Flussonic keeps an answer before asking again about an open session.</summary>
    public const int AuthDurationSeconds = 30;

    private static readonly string MaxSessions = MaxSessionsPerUser.ToString(CultureInfo.InvariantCulture);
    private static readonly string AuthDuration = AuthDurationSeconds.ToString(CultureInfo.InvariantCulture);
    private static readonly byte[] NoArchive = "{\"allowed_dvr_ranges\":[]}"u8.ToArray();
    private static readonly byte[] Empty = "{}"u8.ToArray();

    public static async Task PlayAsync(HookCall call)
    {
        var query = call.Http.Request.QueryString.Value;
        var name = HookEndpoints.RequireName(HookQuery.Get(query, "name"), "Flussonic");
        var token = HookQuery.Get(query, "token");
        if (token.Length == 0)
        {
            token = HookEndpoints.TokenOr(token, HookQuery.Get(query, "qs"));
        }
        var request = ArchiveOf(HookQuery.Get(query, "media_request"));
        var verdict = await call.Decisions.PlayAsync(name, token, request).ConfigureAwait(false);
        HookEndpoints.Log(call.Log, Dialect, request.Archive ? HookActions.Archive : HookActions.Play, name, HookQuery.Get(query, "ip"), verdict);
        if (!verdict.Allowed)
        {
            await HookEndpoints.DenyAsync(call.Http, verdict).ConfigureAwait(false);
            return;
        }
        var response = call.Http.Response;
        response.Headers["X-AuthDuration"] = AuthDuration;
        // Anonymous viewers of a public camera share user id 0: a session limit on it would cap them all together.
        if (verdict.UserId > 0)
        {
            response.Headers["X-UserId"] = verdict.UserId.ToString(CultureInfo.InvariantCulture);
            response.Headers["X-Max-Sessions"] = MaxSessions;
        }
        var body = verdict.Kind == PlaybackKind.Dvr
            ? Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"allowed_dvr_ranges\":[{{\"opened_at\":{verdict.From},\"closed_at\":{verdict.To}}}]}}"))
            : NoArchive;
        await WriteJsonAsync(response, body).ConfigureAwait(false);
    }

    public static async Task PublishAsync(HookCall call)
    {
        var body = await JsonBody.ReadAsync(call.Http, HookJsonContext.Default.FlussonicPublishRequest, HookEndpoints.MaxBodyBytes).ConfigureAwait(false);
        var name = HookEndpoints.RequireName(body.Name ?? "", "Flussonic");
        var verdict = await call.Decisions.PublishAsync(call.Streamer, name, HookEndpoints.TokenOr(body.Token, body.Qs)).ConfigureAwait(false);
        HookEndpoints.Log(call.Log, Dialect, HookActions.Publish, name, body.Ip, verdict);
        if (!verdict.Allowed)
        {
            await HookEndpoints.DenyAsync(call.Http, verdict).ConfigureAwait(false);
            return;
        }
        await WriteJsonAsync(call.Http.Response, Empty).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpResponse response, byte[] body)
    {
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    /// <summary>
    /// Flussonic's media_request names the handler and, for the archive, the window:
    /// "dvr_session-hls_mbr_playlist-FROM-DURATION", "dvr_handler-mp4-FROM-DURATION",
    /// "hls_timeshift_playlist-hls_timeshift_abs-FROM", "dvr_handler-timeshift_rel-SECONDS"...
    /// Live handlers ("hls_live-...", "mpegts_handler-request") and an absent parameter are live.
    /// </summary>
    internal static StreamRequest ArchiveOf(string mediaRequest)
    {
        if (!mediaRequest.StartsWith("dvr_", StringComparison.Ordinal) && !mediaRequest.StartsWith("hls_timeshift", StringComparison.Ordinal))
        {
            return StreamRequest.Live;
        }
        var parts = mediaRequest.Split('-');
        var last = Number(parts[^1]);
        if (mediaRequest.Contains("timeshift_abs", StringComparison.Ordinal))
        {
            return new StreamRequest(true, last);
        }
        if (mediaRequest.Contains("timeshift_rel", StringComparison.Ordinal) || parts.Length < 3)
        {
            return new StreamRequest(true);
        }
        var from = Number(parts[^2]);
        // A unix time from this century, then a duration: anything else is a form this parser does not know.
        return from > 1_000_000_000 && last > 0 ? new StreamRequest(true, from, from + last) : new StreamRequest(true);
    }

    private static long Number(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
