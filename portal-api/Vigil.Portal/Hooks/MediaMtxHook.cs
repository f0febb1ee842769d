using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Portal.Api;

namespace Vigil.Portal.Hooks;

/// <summary>
/// MediaMTX's external HTTP authentication (authMethod: http, authHTTPAddress): a JSON POST with user,
/// password, token, ip, action (publish, read, playback, api, metrics, pprof), path, protocol, id and
/// query. The portal's token may come as "token", as the password (SRT, or browsers that can only ask
/// for a login), or as token=... in the query (RTSP and RTMP URLs). Any 2xx allows. With no credentials
/// at all the answer is 401, which is how MediaMTX learns to ask an RTSP client for them; a wrong one
/// is 403. MediaMTX's own API, metrics and pprof are never opened through the portal.
/// </summary>
internal static partial class MediaMtxHook
{
    public const string Dialect = "mediamtx";

    public static async Task AuthAsync(HookCall call)
    {
        var body = await JsonBody.ReadAsync(call.Http, HookJsonContext.Default.MediaMtxAuthRequest, HookEndpoints.MaxBodyBytes).ConfigureAwait(false);
        var path = body.Path ?? "";
        var action = body.Action switch
        {
            "publish" => HookActions.Publish,
            "read" => HookActions.Play,
            "playback" => HookActions.Archive,
            "api" or "metrics" or "pprof" => body.Action,
            _ => throw ApiException.BadRequest("action must be publish, read, playback, api, metrics or pprof"),
        };
        if (action is "api" or "metrics" or "pprof")
        {
            await RefuseAsync(call, action, path, body.Ip, HookVerdict.Deny(HookReasons.NotForStreams), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }
        if (path.Trim('/').Length == 0)
        {
            throw ApiException.BadRequest("path is required for publish, read and playback");
        }
        // MediaMTX hands on the path already decoded: it is a camera name or it is refused, never decoded again.
        if (StreamPath.NameOfPath(path) is not { } name)
        {
            await RefuseAsync(call, action, "(not canonical)", body.Ip, HookVerdict.Deny(HookReasons.NotCanonical), StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }
        var token = HookEndpoints.TokenOr(string.IsNullOrEmpty(body.Token) ? body.Password : body.Token, body.Query);
        if (token.Length == 0)
        {
            await RefuseAsync(call, action, name, body.Ip, HookVerdict.Deny(HookReasons.NoToken), StatusCodes.Status401Unauthorized).ConfigureAwait(false);
            return;
        }
        var window = action == HookActions.Archive ? PlaybackWindow(body.Query) : StreamRequest.Live;
        var verdict = window is not { } request ? HookVerdict.Deny(HookReasons.UnreadableWindow)
            : action == HookActions.Publish ? await call.Decisions.PublishAsync(call.Streamer, name, token).ConfigureAwait(false)
            : await call.Decisions.PlayAsync(name, token, request).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            await RefuseAsync(call, action, name, body.Ip, verdict, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }
        HookEndpoints.Log(call.Log, Dialect, action, name, body.Ip, verdict);
    }

    private static Task RefuseAsync(HookCall call, string action, string path, string? ip, HookVerdict verdict, int status)
    {
        HookEndpoints.Log(call.Log, Dialect, action, path, ip, verdict);
        return HookEndpoints.DenyAsync(call.Http, verdict, status);
    }

    /// <summary>
    /// The playback server's /get names its window: start (RFC 3339) and duration (seconds, maybe
    /// fractional, or Go's "1h30m"). The parameters are decoded once before they are read; a window
    /// that is named but cannot be read, or is named twice, is null: refused, never taken as no window.
    /// </summary>
    internal static StreamRequest? PlaybackWindow(string? query)
    {
        var start = HookQuery.Single(query, "start");
        var duration = HookQuery.Single(query, "duration");
        if (start.Presence == QueryPresence.Repeated || duration.Presence == QueryPresence.Repeated)
        {
            return null;
        }
        if (start.Presence == QueryPresence.Absent)
        {
            // A listing of the recordings (/list), or a /get that MediaMTX refuses itself; a duration alone opens nothing more.
            return new StreamRequest(true);
        }
        if (Rfc3339().Match(start.Value) is not { Success: true } m ||
            !DateTimeOffset.TryParseExact(m.Groups[1].Value + m.Groups[3].Value, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:sszzz"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var from))
        {
            return null;
        }
        // Whole seconds that hold what was asked: the start rounded down, the end up.
        var seconds = from.ToUnixTimeSeconds();
        if (duration.Presence == QueryPresence.Absent)
        {
            return new StreamRequest(true, seconds);
        }
        var fraction = m.Groups[2].Success ? 1 : 0;
        return MediaMtxDuration.TryParse(duration.Value, out var length) ? new StreamRequest(true, seconds, seconds + fraction + (long)Math.Ceiling(length)) : null;
    }

    /// <summary>Go's time.RFC3339 as MediaMTX parses it: a 'T', seconds with an optional fraction of any length, and a zone ('Z' or an offset).</summary>
    [GeneratedRegex(@"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
