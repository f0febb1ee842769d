using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vigil.Archive.Playback;
using Vigil.Archive.Store;

namespace Vigil.Archive.Export;

/// <summary>
/// /CAMERA/archive-FROM-DURATION.mp4: the range cut as the MPEG-TS form cuts it (from the keyframe
/// at or before FROM to the one at or before FROM + DURATION), as a progressive MP4 with its length
/// known up front (Content-Length), so that a browser shows the download's progress and plays it as it comes.
/// </summary>
public static class Mp4Range
{
    /// <summary>Answers the MP4 of the range; false, having sent nothing, when nothing is recorded in it.</summary>
    public static async Task<bool> ServeAsync(HttpContext http, ArchiveRequest request, ArchiveCatalog catalog, ArchiveTags tags)
    {
        var cancel = http.RequestAborted;
        var recordings = catalog.Find(request.Camera, request.FromMs, request.ToMs);
        var cutFrom = ArchiveCatalog.CutAt(recordings, request.FromMs);
        var cutTo = ArchiveCatalog.CutAt(recordings, request.ToMs);
        var plan = recordings.Count == 0 || cutTo <= cutFrom ? null
            : await Mp4Export.PlanAsync(tags.ReadAsync(request.Camera, recordings, cutFrom, cutTo, follow: false, cancel), cancel).ConfigureAwait(false);
        if (plan is null)
        {
            return false;
        }
        http.Response.ContentType = "video/mp4";
        http.Response.ContentLength = plan.Length;
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"inline; filename=\"{request.Camera}-{request.From}-{request.Duration}.mp4\"");
        await Mp4Export.WriteAsync(plan, tags.ReadAsync(request.Camera, recordings, cutFrom, cutTo, follow: false, cancel), http.Response.Body, cancel)
            .ConfigureAwait(false);
        return true;
    }
}
