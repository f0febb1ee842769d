using System.Globalization;
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
internal static class MediaMtxHook
{
    public const string Dialect = "mediamtx";

    public static async Task AuthAsync(HookCall call)
    {
        var body = await JsonBody.ReadAsync(call.Http, HookJsonContext.Default.MediaMtxAuthRequest, HookEndpoints.MaxBodyBytes).ConfigureAwait(false);
        var path = body.Path?.Trim('/') ?? "";
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
        if (path.Length == 0)
        {
            throw ApiException.BadRequest("path is required for publish, read and playback");
        }
        var token = HookEndpoints.TokenOr(string.IsNullOrEmpty(body.Token) ? body.Password : body.Token, body.Query);
        if (token.Length == 0)
        {
            await RefuseAsync(call, action, path, body.Ip, HookVerdict.Deny(HookReasons.NoToken), StatusCodes.Status401Unauthorized).ConfigureAwait(false);
            return;
        }
        var verdict = action == HookActions.Publish
            ? await call.Decisions.PublishAsync(call.Streamer, path, token).ConfigureAwait(false)
            : await call.Decisions.PlayAsync(path, token, action == HookActions.Archive ? PlaybackWindow(body.Query) : StreamRequest.Live).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            await RefuseAsync(call, action, path, body.Ip, verdict, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }
        HookEndpoints.Log(call.Log, Dialect, action, path, body.Ip, verdict);
    }

    private static Task RefuseAsync(HookCall call, string action, string path, string? ip, HookVerdict verdict, int status)
    {
        HookEndpoints.Log(call.Log, Dialect, action, path, ip, verdict);
        return HookEndpoints.DenyAsync(call.Http, verdict, status);
    }

    /// <summary>The playback server's /get names its window: start (RFC 3339) and duration (seconds, maybe fractional).</summary>
    internal static StreamRequest PlaybackWindow(string? query)
    {
        if (!DateTimeOffset.TryParse(HookQuery.Get(query, "start"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from))
        {
            return new StreamRequest(true);
        }
        var seconds = from.ToUnixTimeSeconds();
        return double.TryParse(HookQuery.Get(query, "duration"), NumberStyles.Float, CultureInfo.InvariantCulture, out var duration) && duration is > 0 and < 1e9
            ? new StreamRequest(true, seconds, seconds + (long)Math.Ceiling(duration))
            : new StreamRequest(true, seconds);
    }
}
