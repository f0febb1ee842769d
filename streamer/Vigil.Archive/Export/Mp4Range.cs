using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vigil.Archive.Playback;
using Vigil.Archive.Store;

namespace Vigil.Archive.Export;

/// <summary>
/// /CAMERA/archive-FROM-DURATION.mp4: the range cut as the MPEG-TS form cuts it (from the keyframe
/// at or before FROM to the one at or before FROM + DURATION), as a progressive MP4 with its length
/// known up front (Content-Length), so that a browser shows the download's progress and plays it as it
/// comes. The whole layout is known before a byte is written (the first pass), so a Range request
/// (a browser or VLC seeking past what it has) gets exactly those bytes with 206 (RFC 9110, 14 and 15.3.7).
/// </summary>
public static class Mp4Range
{
    /// <summary>Answers the MP4 of the range; false, having sent nothing, when nothing is recorded in it.</summary>
    public static async Task<bool> ServeAsync(HttpContext http, ArchiveRequest request, ArchiveCatalog catalog, ArchiveTags tags, Mp4PlanCache plans)
    {
        var cancel = http.RequestAborted;
        var recordings = catalog.Find(request.Camera, request.FromMs, request.ToMs);
        var cutFrom = ArchiveCatalog.CutAt(recordings, request.FromMs);
        var cutTo = ArchiveCatalog.CutAt(recordings, request.ToMs);
        if (recordings.Count == 0 || cutTo <= cutFrom)
        {
            return false;
        }
        var key = Mp4PlanCache.KeyOf(recordings, cutFrom, cutTo);
        var plan = plans.Get(key);
        if (plan is null)
        {
            plan = await Mp4Export.PlanAsync(tags.ReadAsync(request.Camera, recordings, cutFrom, cutTo, follow: false, cancel), cancel).ConfigureAwait(false);
            if (plan is null)
            {
                return false;
            }
            plans.Put(key, plan);
        }
        var response = http.Response;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "no-cache";
        var answer = ByteRange.Resolve(http.Request.Headers.Range.ToString(), http.Request.Headers.IfRange.ToString(), plan.Length, out var range);
        if (answer == RangeAnswer.Unsatisfiable)
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{plan.Length}");
            await response.WriteAsync("the range asked for lies outside the file or cannot be read\n", cancel).ConfigureAwait(false);
            return true;
        }
        response.ContentType = "video/mp4";
        response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"inline; filename=\"{request.Camera}-{request.From}-{request.Duration}.mp4\"");
        if (answer == RangeAnswer.Partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {range.First}-{range.Last}/{plan.Length}");
        }
        response.ContentLength = range.Length;
        await Mp4Export.WriteAsync(plan, tags.ReadAsync(request.Camera, recordings, cutFrom, cutTo, follow: false, cancel), response.Body, cancel,
            answer == RangeAnswer.Partial ? range : null).ConfigureAwait(false);
        return true;
    }
}
