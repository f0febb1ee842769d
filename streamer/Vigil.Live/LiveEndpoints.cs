using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Live;

/// <summary>
/// The viewers' signaling, WHEP-like but with the server offering (Janus's streaming plugin makes
/// the offer): POST /CAMERA/webrtc?token=T answers 201 with Janus's SDP offer and the session's URL;
/// PATCH that URL (?token=T) with the browser's SDP answer (application/sdp) starts the video, and
/// later PATCHes with application/trickle-ice-sdpfrag (RFC 8840) bring the candidates the browser
/// found after it answered; POST /CAMERA/webrtc/warm?token=T starts the camera's feed for a viewer
/// about to come; POST to it every few seconds says the page is still there (a silent
/// viewer's session ends); DELETE it ends the session. The node's nginx proxies /CAMERA/webrtc... here,
/// so viewers reach WebRTC where they reach HLS, with the same token. /healthz and /stats are for
/// the node itself (nginx does not proxy them).
/// </summary>
internal static partial class LiveEndpoints
{
    /// <summary>A browser's SDP answer is a few kilobytes; 64 KiB is far beyond any.</summary>
    private const int MaxSdpBytes = 64 * 1024;
    private const int MaxTokenLength = 1024;
    /// <summary>A browser trickles a handful of candidates at a time; more in one fragment are ignored.</summary>
    private const int MaxCandidates = 32;

    public static void Map(WebApplication app)
    {
        app.MapPost("/{camera}/webrtc", OpenAsync).RequireCors(Cors);
        app.MapPost("/{camera}/webrtc/warm", WarmAsync).RequireCors(Cors);
        app.MapMethods("/{camera}/webrtc/{session}", [HttpMethods.Patch], AnswerAsync).RequireCors(Cors);
        app.MapPost("/{camera}/webrtc/{session}", Keepalive).RequireCors(Cors);
        app.MapDelete("/{camera}/webrtc/{session}", Close).RequireCors(Cors);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/stats", (LiveHub hub) => Results.Json(hub.Stats(), LiveJsonContext.Default.LiveStats));
    }

    public const string Cors = "viewers";

    private static async Task<IResult> OpenAsync(HttpContext ctx, string camera, LiveHub hub)
    {
        return await Guarded(async () =>
        {
            var token = Check(camera, ctx);
            var (session, offer) = await hub.OpenAsync(camera, token, Address(ctx), ctx.RequestAborted).ConfigureAwait(false);
            var location = $"/{camera}/webrtc/{session.Id}";
            ctx.Response.Headers.Location = location;
            return Results.Json(new OfferAnswer(session.Id, location, "offer", offer), LiveJsonContext.Default.OfferAnswer, statusCode: StatusCodes.Status201Created);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /CAMERA/webrtc/warm?token=T: a viewer is about to open the camera (its page is loading, its
    /// tile is hovered); 202 when its feed runs or is starting, 429 when the node keeps as many feeds
    /// without a viewer as it takes (the viewer then starts it). The same token and hook as a viewer.
    /// </summary>
    private static async Task<IResult> WarmAsync(HttpContext ctx, string camera, LiveHub hub)
    {
        return await Guarded(async () =>
        {
            var token = Check(camera, ctx);
            return await hub.WarmAsync(camera, token, Address(ctx), ctx.RequestAborted).ConfigureAwait(false)
                ? Results.Accepted()
                : Results.Json(new ErrorAnswer("this streamer runs as many feeds without a viewer as it takes"), LiveJsonContext.Default.ErrorAnswer,
                    statusCode: StatusCodes.Status429TooManyRequests);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> AnswerAsync(HttpContext ctx, string camera, string session, LiveHub hub)
    {
        return await Guarded(async () =>
        {
            var token = Check(camera, ctx);
            var type = ctx.Request.ContentType ?? "";
            var trickle = type.StartsWith("application/trickle-ice-sdpfrag", StringComparison.OrdinalIgnoreCase);
            if (!trickle && !type.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
            {
                throw new LiveRefusal(StatusCodes.Status415UnsupportedMediaType, "an SDP answer (application/sdp) or trickled candidates (application/trickle-ice-sdpfrag)");
            }
            if (ctx.Request.ContentLength > MaxSdpBytes)
            {
                throw new LiveRefusal(StatusCodes.Status413PayloadTooLarge, "SDP answer too large");
            }
            var sdp = await ReadCappedAsync(ctx.Request.Body, ctx.RequestAborted).ConfigureAwait(false);
            if (trickle)
            {
                var lines = sdp.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var candidates = lines.Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).Select(l => l[2..]).Take(MaxCandidates).ToList();
                var completed = lines.Contains("a=end-of-candidates");
                await hub.TrickleAsync(camera, session, token, candidates, completed, ctx.RequestAborted).ConfigureAwait(false);
                return Results.NoContent();
            }
            if (!sdp.StartsWith("v=0", StringComparison.Ordinal))
            {
                throw new LiveRefusal(StatusCodes.Status400BadRequest, "the body is no SDP (it starts with v=0)");
            }
            await hub.AnswerAsync(camera, session, token, sdp, ctx.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        }).ConfigureAwait(false);
    }

    private static Task<IResult> Keepalive(HttpContext ctx, string camera, string session, LiveHub hub) => Guarded(() =>
    {
        hub.Heard(camera, session, Check(camera, ctx));
        return Task.FromResult(Results.NoContent());
    });

    private static Task<IResult> Close(HttpContext ctx, string camera, string session, LiveHub hub) => Guarded(() =>
    {
        hub.Close(camera, session, Check(camera, ctx));
        return Task.FromResult(Results.NoContent());
    });

    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (LiveRefusal e)
        {
            return Results.Json(new ErrorAnswer(e.Message), LiveJsonContext.Default.ErrorAnswer, statusCode: e.Status);
        }
    }

    /// <summary>The token of a request for a camera whose name is one of ours; anything else is refused before the portal is asked.</summary>
    private static string Check(string camera, HttpContext ctx)
    {
        if (!CameraName().IsMatch(camera))
        {
            throw new LiveRefusal(StatusCodes.Status404NotFound, "no such camera");
        }
        var token = ctx.Request.Query["token"].ToString();
        if (token.Length is 0 or > MaxTokenLength || !TokenText().IsMatch(token))
        {
            throw new LiveRefusal(StatusCodes.Status401Unauthorized, "a playback token is required (?token=, from the portal)");
        }
        return token;
    }

    private static async Task<string> ReadCappedAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[MaxSdpBytes + 1];
        var length = 0;
        int n;
        while ((n = await body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false)) > 0)
        {
            length += n;
            if (length > MaxSdpBytes)
            {
                throw new LiveRefusal(StatusCodes.Status413PayloadTooLarge, "SDP answer too large");
            }
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>The viewer's address: nginx's X-Real-IP when the request came through the node's nginx on loopback.</summary>
    private static string Address(HttpContext ctx)
    {
        var remote = ctx.Connection.RemoteIpAddress;
        var forwarded = ctx.Request.Headers["X-Real-IP"].ToString();
        return remote is not null && IPAddress.IsLoopback(remote) && IPAddress.TryParse(forwarded, out var real) ? real.ToString() : remote?.ToString() ?? "";
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex CameraName();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex TokenText();
}
