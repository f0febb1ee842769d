using Vigil.Portal.Api;

namespace Vigil.Portal.Hooks;

/// <summary>
/// nginx-rtmp's notifications (on_publish, on_play, on_update, on_done...): an
/// application/x-www-form-urlencoded POST with call, name, addr, app, tcurl, swfurl, pageurl,
/// clientid, flashver, and the stream URL's own query arguments (token=...) as further fields.
/// Any 2xx lets the client on, any 4xx throws it off. on_update (update_publish, update_play) asks
/// again about a running session, so a revocation also ends streams already flowing.
/// </summary>
internal static class NginxRtmpHook
{
    public const string Dialect = "nginx-rtmp";

    public static async Task NotifyAsync(HookCall call)
    {
        var request = call.Http.Request;
        HookEndpoints.LimitBody(call.Http);
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
        var verdict = publish
            ? await call.Decisions.PublishAsync(call.Streamer, name, token).ConfigureAwait(false)
            : await call.Decisions.PlayAsync(name, token, StreamRequest.Live).ConfigureAwait(false);
        HookEndpoints.Log(call.Log, Dialect, publish ? HookActions.Publish : HookActions.Play, name, form["addr"].ToString(), verdict);
        if (!verdict.Allowed)
        {
            await HookEndpoints.DenyAsync(call.Http, verdict).ConfigureAwait(false);
        }
    }
}
