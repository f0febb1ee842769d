using Vigil.Portal.Api;

namespace Vigil.Portal.Hooks;

/// <summary>
/// nginx-rtmp's notifications (on_publish, on_play, on_update, on_done...): an
/// application/x-www-form-urlencoded POST with call, name, addr, app, tcurl, swfurl, pageurl,
/// clientid, flashver, and the stream URL's own query arguments (token=...) as further fields.
/// Any 2xx lets the client on, any 4xx throws it off. on_update (update_publish, update_play) asks
/// again about a running session, so a revocation also ends streams already flowing.
/// The HLS that nginx-rtmp writes is served by nginx's own http server, which asks through
/// auth_request: a GET with the viewer's URI in X-Original-URI (see <see cref="HttpPlayAsync"/>).
/// </summary>
internal static class NginxRtmpHook
{
    public const string Dialect = "nginx-rtmp";

    public static async Task NotifyAsync(HookCall call)
    {
        var request = call.Http.Request;
        JsonBody.Limit(call.Http, HookEndpoints.MaxBodyBytes);
        if (!request.HasFormContentType)
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "expected Content-Type: application/x-www-form-urlencoded, as nginx-rtmp sends");
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(call.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest($"invalid form body: {e.Message}");
        }
        var what = form["call"].ToString();
        var publish = what is "publish" or "update_publish";
        if (!publish && what is not ("play" or "update_play"))
        {
            // Connects and the ends of sessions are news, not questions: there is nothing to refuse.
            if (what is "connect" or "done" or "play_done" or "publish_done" or "record_done")
            {
                return;
            }
            throw ApiException.BadRequest("call must be publish, play, update_publish, update_play, connect or one of the done notifications");
        }
        var name = HookEndpoints.RequireName(form["name"].ToString(), "nginx-rtmp");
        var token = HookEndpoints.TokenOr(form["token"].ToString(), form["tcurl"].ToString());
        // node=KEY: the streamer node's own play (vigil-live feeding WebRTC), judged by the node's key, not a viewer's token.
        var node = form["node"].ToString();
        var verdict = publish
            ? await call.Decisions.PublishAsync(call.Streamer, name, token).ConfigureAwait(false)
            : node.Length > 0
                ? await call.Decisions.NodePlayAsync(call.Streamer, name, node, form["addr"].ToString()).ConfigureAwait(false)
                : await call.Decisions.PlayAsync(name, token, StreamRequest.Live).ConfigureAwait(false);
        // The update_ calls come every notify_update_timeout for every stream: logged as updates, their
        // allowed ones at Debug like plays, so that only a publish's start and each refusal fill the log.
        var action = what.StartsWith("update_", StringComparison.Ordinal) ? HookActions.Update : publish ? HookActions.Publish : HookActions.Play;
        HookEndpoints.Log(call.Log, Dialect, action, name, form["addr"].ToString(), verdict);
        if (!verdict.Allowed)
        {
            await HookEndpoints.DenyAsync(call.Http, verdict).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// nginx's auth_request for the HLS it serves and the archive forms of the streamer-node service
    /// (<see cref="ArchiveForm"/>): the subrequest carries the viewer's request as X-Original-URI
    /// (/CAMERA/index.m3u8?token=..., /CAMERA/12.ts?token=..., /CAMERA/mpegts?token=...,
    /// /CAMERA/archive-1700000000-600.mp4?token=...). The camera is the
    /// URI's first segment, read by <see cref="StreamPath"/>: a URI that nginx could map to another
    /// camera's files than its first segment names (dot segments, encodings, doubled slashes) is
    /// refused. 2xx lets the viewer have the file, 401 or 403 refuses it.
    /// </summary>
    public static async Task HttpPlayAsync(HookCall call)
    {
        var uri = call.Http.Request.Headers["X-Original-URI"].ToString();
        if (uri.Length == 0)
        {
            throw ApiException.BadRequest("X-Original-URI is required: proxy_set_header X-Original-URI $request_uri in the auth_request location");
        }
        var address = call.Http.Request.Headers["X-Real-IP"].ToString();
        // nginx turns any answer but 2xx, 401 and 403 into a 500 for the viewer: a URL naming no
        // camera (the site's root, a stray file) or none unambiguously is refused, not reported as a bad request.
        if (StreamPath.CameraOfUri(uri, out var file) is not { } name)
        {
            var refused = HookVerdict.Deny(HookReasons.NotCanonical);
            HookEndpoints.Log(call.Log, Dialect, HookActions.Play, "(none)", address, refused);
            await HookEndpoints.DenyAsync(call.Http, refused).ConfigureAwait(false);
            return;
        }
        // The archive forms the streamer-node service serves (index-FROM-DURATION.m3u8...) need an
        // archive token whose window holds the range, and the archive rights; everything else is live.
        var form = ArchiveForm.Read(file, out var request);
        var action = form == ArchiveFormKind.Live ? HookActions.Play : HookActions.Archive;
        HookVerdict verdict;
        if (form == ArchiveFormKind.Malformed)
        {
            verdict = HookVerdict.Deny(HookReasons.UnreadableWindow);
        }
        else
        {
            var query = uri.IndexOf('?', StringComparison.Ordinal);
            var token = query < 0 ? "" : HookQuery.Get(uri[query..], "token");
            verdict = await call.Decisions.PlayAsync(name, token, request).ConfigureAwait(false);
        }
        HookEndpoints.Log(call.Log, Dialect, action, name, address, verdict);
        if (!verdict.Allowed)
        {
            await HookEndpoints.DenyAsync(call.Http, verdict).ConfigureAwait(false);
        }
    }
}
