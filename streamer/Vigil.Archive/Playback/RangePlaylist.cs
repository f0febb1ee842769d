using System.Globalization;
using System.Text;
using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>
/// The HLS playlist of a range (index-FROM-DURATION.m3u8) or of a timeshift (timeshift_abs-FROM.m3u8):
/// segments of about <c>SegmentSeconds</c> each, every one Flussonic's archive-FROM-DURATION.ts with
/// whole seconds, so that the portal's hook checks a segment as it checks any archive range. Each
/// boundary is a whole second taken just after a keyframe; the TS of a range is cut at the last
/// keyframe at or before each end (<see cref="ArchiveCatalog.CutAt"/>), so segments meet exactly at
/// keyframes. A segment that would fall wholly into a gap is left out and the next one is marked as a
/// discontinuity.
/// </summary>
public static class RangePlaylist
{
    /// <summary>One segment: its URL's FROM and DURATION, and the seconds of recording it holds.</summary>
    public readonly record struct Segment(long From, long Duration, double Seconds, bool Discontinuity);

    public static List<Segment> Segments(IReadOnlyList<Recording> recordings, long fromSeconds, long toSeconds, int segmentSeconds, bool onlyWhole)
    {
        var keyframes = new List<long>();
        foreach (var r in recordings)
        {
            foreach (var k in r.Index.Keyframes)
            {
                keyframes.Add(r.StartMs + k.TimeMs);
            }
        }
        var segments = new List<Segment>();
        var s = fromSeconds;
        var discontinuity = false;
        var k0 = 0;
        while (s < toSeconds)
        {
            // The first keyframe in the segment's last second ends it: a boundary is the whole second after it.
            var want = (s + segmentSeconds - 1) * 1000;
            while (k0 < keyframes.Count && keyframes[k0] < want)
            {
                k0++;
            }
            long next;
            if (k0 < keyframes.Count)
            {
                next = Math.Min(toSeconds, CeilSeconds(keyframes[k0]));
            }
            else if (onlyWhole)
            {
                break; // the live edge: the segment is listed once the keyframe that ends it is recorded
            }
            else
            {
                next = toSeconds;
            }
            // A recording's end inside the segment closes it there, so that a gap starts a new one.
            foreach (var r in recordings)
            {
                var endSecond = CeilSeconds(r.EndMs);
                var continued = recordings.Any(o => o != r && Math.Abs(o.StartMs - r.EndMs) <= LiveRecordings.StitchToleranceMs);
                if (!continued && r.EndMs > s * 1000 && endSecond > s && endSecond < next)
                {
                    next = endSecond;
                }
            }
            var cutFrom = ArchiveCatalog.CutAt(recordings, s * 1000);
            var cutTo = ArchiveCatalog.CutAt(recordings, next * 1000);
            var recorded = Recorded(recordings, cutFrom, cutTo);
            if (recorded <= 0)
            {
                discontinuity = segments.Count > 0;
            }
            else
            {
                segments.Add(new Segment(s, next - s, recorded / 1000.0, discontinuity));
                discontinuity = false;
            }
            s = next;
        }
        return segments;
    }

    public static string Render(IReadOnlyList<Segment> segments, string query, bool ended)
    {
        var text = new StringBuilder(128 + segments.Count * 64);
        var target = segments.Count == 0 ? 1 : (int)Math.Ceiling(segments.Max(x => x.Seconds));
        text.Append("#EXTM3U\n#EXT-X-VERSION:3\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{Math.Max(1, target)}\n#EXT-X-MEDIA-SEQUENCE:0\n");
        text.Append(ended ? "#EXT-X-PLAYLIST-TYPE:VOD\n" : "#EXT-X-PLAYLIST-TYPE:EVENT\n");
        AppendSegments(text, segments, query);
        if (ended)
        {
            text.Append("#EXT-X-ENDLIST\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// A live playlist's window (RFC 8216, 6.2.2): no playlist type and no end, its first segment's
    /// number in EXT-X-MEDIA-SEQUENCE, and a target duration fixed for the playlist's life (it may not change between reloads).
    /// </summary>
    public static string RenderLive(IReadOnlyList<Segment> segments, string query, long mediaSequence, int targetDuration)
    {
        var text = new StringBuilder(128 + segments.Count * 64);
        text.Append("#EXTM3U\n#EXT-X-VERSION:3\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{targetDuration}\n#EXT-X-MEDIA-SEQUENCE:{mediaSequence}\n");
        AppendSegments(text, segments, query);
        return text.ToString();
    }

    private static void AppendSegments(StringBuilder text, IReadOnlyList<Segment> segments, string query)
    {
        foreach (var segment in segments)
        {
            if (segment.Discontinuity)
            {
                text.Append("#EXT-X-DISCONTINUITY\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-PROGRAM-DATE-TIME:{DateTimeOffset.FromUnixTimeSeconds(segment.From).UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\n");
            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{segment.Seconds:0.000},\narchive-{segment.From}-{segment.Duration}.ts{query}\n");
        }
    }

    private static long CeilSeconds(long ms) => (ms + 999) / 1000;

    /// <summary>The ms of recording between two cuts (gaps left out).</summary>
    internal static long Recorded(IReadOnlyList<Recording> recordings, long fromMs, long toMs)
    {
        long total = 0;
        foreach (var r in recordings)
        {
            var a = Math.Max(fromMs, r.StartMs);
            var b = Math.Min(toMs, r.EndMs);
            if (b > a)
            {
                total += b - a;
            }
        }
        return total;
    }
}
