using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>
/// The archive forms nginx proxies here after its auth_request to the portal (which checks the
/// token, can_dvr, the window and the depth), and nginx-rtmp's record_done notification. This side
/// refuses what is malformed before touching a file and reads only under the archive and record folders.
/// </summary>
public static class ArchiveEndpoints
{
    /// <summary>The MP4 export and the preview JPEG are answered by Export.Mp4Range and Export.PreviewJpeg.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/metrics", (ArchiveMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
        app.MapPost("/record-done", RecordDoneAsync);
        app.MapGet("/{camera}/{file}", ServeAsync);
    }

    /// <summary>nginx-rtmp's on_record_done: a form POST whose path field is the file it closed.</summary>
    private static async Task<IResult> RecordDoneAsync(HttpContext http, RecordingFiler filer)
    {
        if (!http.Request.HasFormContentType)
        {
            return Results.Text("expected a form, as nginx-rtmp sends\n", statusCode: StatusCodes.Status400BadRequest);
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var path = form["path"].ToString();
        try
        {
            await filer.FileAsync(path, http.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            return Results.Text(e.Message + "\n", statusCode: StatusCodes.Status400BadRequest);
        }
        return Results.Ok();
    }

    private static async Task ServeAsync(HttpContext http, string camera, string file, ArchiveOptions options, ArchiveCatalog catalog,
        ArchiveTags tags, ArchiveMetrics metrics, Export.Mp4PlanCache plans, ILoggerFactory logs)
    {
        if (!ArchiveRequest.TryParse(camera, file, options.MaxRangeSeconds, out var request, out var error))
        {
            metrics.Refused();
            ArchiveLog.Refused(logs.CreateLogger("Vigil.Archive.Playback"), http.Request.Path.ToString(), error);
            http.Response.StatusCode = error == "not an archive form" ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync(error + "\n", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        var query = http.Request.QueryString.HasValue ? http.Request.QueryString.Value! : "";
        var cancel = http.RequestAborted;
        switch (request!.Form)
        {
            case ArchiveForm.RecordingStatus:
                await StatusAsync(http, request.Camera, catalog).ConfigureAwait(false);
                return;
            case ArchiveForm.RangePlaylist:
            {
                var recordings = catalog.Find(request.Camera, request.FromMs, request.ToMs);
                var segments = RangePlaylist.Segments(recordings, request.From, request.From + request.Duration, options.SegmentSeconds, onlyWhole: false);
                if (segments.Count == 0)
                {
                    await NotFoundAsync(http, "nothing recorded in this range").ConfigureAwait(false);
                    return;
                }
                await PlaylistAsync(http, RangePlaylist.Render(segments, query, ended: true)).ConfigureAwait(false);
                return;
            }
            case ArchiveForm.TimeshiftPlaylist:
            {
                var playlist = TimeshiftPlaylist.Build(catalog, http.RequestServices.GetRequiredService<TimeshiftSessions>(), request.Camera, request.From, query,
                    options.SegmentSeconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                if (playlist is null)
                {
                    await NotFoundAsync(http, "nothing recorded from this moment").ConfigureAwait(false);
                    return;
                }
                await PlaylistAsync(http, playlist).ConfigureAwait(false);
                return;
            }
            case ArchiveForm.RangeTs:
            {
                var recordings = catalog.Find(request.Camera, request.FromMs, request.ToMs);
                var cutFrom = ArchiveCatalog.CutAt(recordings, request.FromMs);
                var cutTo = ArchiveCatalog.CutAt(recordings, request.ToMs);
                if (recordings.Count == 0 || cutTo <= cutFrom)
                {
                    await NotFoundAsync(http, "nothing recorded in this range").ConfigureAwait(false);
                    return;
                }
                StartTs(http);
                await TsRangeWriter.WriteAsync(tags.ReadAsync(request.Camera, recordings, cutFrom, cutTo, follow: false, cancel), http.Response.Body, live: false, cancel).ConfigureAwait(false);
                return;
            }
            case ArchiveForm.TimeshiftTs:
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var recordings = catalog.Find(request.Camera, request.FromMs, now + 1000);
                if (recordings.Count == 0)
                {
                    await NotFoundAsync(http, "nothing recorded from this moment").ConfigureAwait(false);
                    return;
                }
                StartTs(http);
                var cutFrom = ArchiveCatalog.CutAt(recordings, request.FromMs);
                try
                {
                    await TsRangeWriter.WriteAsync(tags.ReadAsync(request.Camera, recordings, cutFrom, long.MaxValue, follow: true, cancel), http.Response.Body, live: true, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    // The viewer went away.
                }
                return;
            }
            case ArchiveForm.RangeMp4:
                if (!await Export.Mp4Range.ServeAsync(http, request, catalog, tags, plans).ConfigureAwait(false))
                {
                    await NotFoundAsync(http, "nothing recorded in this range").ConfigureAwait(false);
                }
                return;
            case ArchiveForm.Preview:
                if (!await http.RequestServices.GetRequiredService<Export.PreviewJpeg>().ServeAsync(http, request).ConfigureAwait(false))
                {
                    await NotFoundAsync(http, "no picture recorded at this moment").ConfigureAwait(false);
                }
                return;
            default:
                await NotFoundAsync(http, "this form is not served here").ConfigureAwait(false);
                return;
        }
    }

    private static async Task StatusAsync(HttpContext http, string camera, ArchiveCatalog catalog)
    {
        // Flussonic's query: from= and to= (Unix seconds, or "now"); the whole archive when absent.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!TryTime(http.Request.Query["from"].ToString(), 0, now, out var from) || !TryTime(http.Request.Query["to"].ToString(), now + 1, now, out var to) || to < from)
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            await http.Response.WriteAsync("from and to must be Unix seconds or now, from before to\n", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        var ranges = RecordingStatus.Ranges(catalog, camera, from * 1000, to * 1000);
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-cache";
        await JsonSerializer.SerializeAsync(http.Response.Body, new[] { new StreamRecordingStatus(camera, ranges) },
            ArchiveJsonContext.Default.StreamRecordingStatusArray, http.RequestAborted).ConfigureAwait(false);
    }

    private static bool TryTime(string text, long absent, long now, out long value)
    {
        value = absent;
        if (text.Length == 0)
        {
            return true;
        }
        if (text == "now")
        {
            value = now + 1;
            return true;
        }
        return text.Length <= 12 && text.All(char.IsAsciiDigit) && long.TryParse(text, out value) && value <= ArchiveRequest.MaxFrom;
    }

    private static void StartTs(HttpContext http)
    {
        http.Response.ContentType = "video/mp2t";
        http.Response.Headers.CacheControl = "no-cache";
    }

    private static async Task PlaylistAsync(HttpContext http, string text)
    {
        http.Response.ContentType = "application/vnd.apple.mpegurl";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task NotFoundAsync(HttpContext http, string why)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        await http.Response.WriteAsync(why + "\n", http.RequestAborted).ConfigureAwait(false);
    }
}
