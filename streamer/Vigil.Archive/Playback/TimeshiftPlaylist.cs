using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>
/// timeshift_abs-FROM.m3u8 as set-top boxes play it: FROM on, as a live stream (RFC 8216 6.2.2, a
/// sliding window with no end), for as long as the viewer watches, into live and on. Segments lie on a
/// fixed grid from FROM (segment k is archive-(FROM + k x S)-S.ts, cut at the keyframes at or before
/// its two ends, so neighbours meet exactly) and segment k is always media sequence number k: a
/// reload, whenever it comes, continues the same numbering and names. The window follows the viewer's
/// position (<see cref="TimeshiftSessions"/>): <see cref="SegmentsBehind"/> segments before it, up to
/// <see cref="SegmentsAhead"/> after it (a live player starts three segments from the end, so at its
/// position), never past what is recorded: a handful of segments whatever FROM is, so the playlist's
/// size and each reload's work stay bounded. A segment is listed once its end is recorded; a gap in the
/// recording ends the window, and a viewer whose window lies wholly in a gap is moved over it.
/// </summary>
public static class TimeshiftPlaylist
{
    public const int SegmentsBehind = 2;
    public const int SegmentsAhead = 3;

    /// <summary>The playlist at <paramref name="nowMs"/>; null when nothing is recorded from the viewer's position on.</summary>
    public static string? Build(ArchiveCatalog catalog, TimeshiftSessions sessions, string camera, long from, string query, int segmentSeconds, long nowMs)
    {
        long s = segmentSeconds;
        var position = sessions.PositionMs(camera, from, query, nowMs);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var first = Math.Max(0, (position / 1000 - from) / s - SegmentsBehind);
            var end = (position / 1000 - from) / s + SegmentsAhead; // the first segment number past the window
            var recordings = catalog.Find(camera, (from + first * s) * 1000, (from + end * s) * 1000);
            var recordedTo = recordings.Count == 0 ? long.MinValue : recordings.Max(r => r.EndMs);
            var segments = new List<RangePlaylist.Segment>();
            for (var k = first; k < end; k++)
            {
                var a = from + k * s;
                if ((a + s) * 1000 > recordedTo)
                {
                    break; // the live edge: listed once its end is recorded
                }
                var recorded = RangePlaylist.Recorded(recordings, ArchiveCatalog.CutAt(recordings, a * 1000), ArchiveCatalog.CutAt(recordings, (a + s) * 1000));
                if (recorded <= 0)
                {
                    if (segments.Count > 0)
                    {
                        break; // a gap: numbers stay one per grid step, so the window stops before it
                    }
                    first = k + 1;
                    continue;
                }
                segments.Add(new RangePlaylist.Segment(a, s, recorded / 1000.0, Discontinuity: false));
            }
            if (segments.Count > 0 || attempt > 0)
            {
                return segments.Count == 0 && recordings.Count == 0 ? null : RangePlaylist.RenderLive(segments, query, first, 2 * segmentSeconds);
            }
            // Nothing in the window: the viewer is in a gap (the camera was off). The next recording on, if any, is where it goes on.
            var later = catalog.Find(camera, position, nowMs + 1000).FirstOrDefault(r => r.EndMs > position);
            if (later is null)
            {
                return recordings.Count == 0 ? null : RangePlaylist.RenderLive(segments, query, first, 2 * segmentSeconds);
            }
            var skip = Math.Max(0, later.StartMs - position);
            if (skip == 0)
            {
                return RangePlaylist.RenderLive(segments, query, first, 2 * segmentSeconds);
            }
            sessions.Skip(camera, from, query, skip);
            position += skip;
        }
        return null;
    }
}
