namespace Vigil.Archive.Export;

/// <summary>
/// Everything of a progressive MP4 that comes before the media: ftyp, moov with the sample tables
/// (ISO/IEC 14496-12), and mdat's own header. moov comes first so that a player starts while the
/// file downloads. The chunk offsets in moov depend on moov's size, which depends on whether they fit
/// in 32 bits (stco) or need 64 (co64): moov is laid out once to learn its size, then for good.
/// </summary>
public static class Mp4Header
{
    private const int MovieTimescale = 1000;

    /// <summary>The bytes before mdat's payload, for <paramref name="tracks"/> whose samples fill <paramref name="payload"/> bytes of mdat.</summary>
    public static byte[] Build(IReadOnlyList<Mp4Track> tracks, long payload)
    {
        var ftyp = Ftyp();
        var trial = Moov(tracks, 0, wide: false).Length;
        var wide = ftyp.Length + trial + 16 + payload > uint.MaxValue;
        var moovLength = wide ? Moov(tracks, 0, wide: true).Length : trial;
        var largeMdat = payload + 8 > uint.MaxValue;
        var mdatHeader = largeMdat ? 16 : 8;
        var moov = Moov(tracks, ftyp.Length + moovLength + mdatHeader, wide);
        var w = new Mp4BoxWriter();
        w.Bytes(ftyp);
        w.Bytes(moov);
        if (largeMdat)
        {
            w.U32(1);
            w.Type("mdat");
            w.U64((ulong)(payload + 16));
        }
        else
        {
            w.U32((uint)(payload + 8));
            w.Type("mdat");
        }
        return w.ToArray();
    }

    private static byte[] Ftyp()
    {
        var w = new Mp4BoxWriter();
        w.Open("ftyp");
        w.Type("isom");
        w.U32(512);
        foreach (var brand in new[] { "isom", "iso2", "avc1", "mp41" })
        {
            w.Type(brand);
        }
        w.Close();
        return w.ToArray();
    }

    /// <summary>The presentation's start, in ms of wall clock: the first video frame shown (its decode time plus its offset), else the first audio.</summary>
    private static long StartMs(IReadOnlyList<Mp4Track> tracks)
    {
        var video = tracks.FirstOrDefault(t => t.IsVideo);
        return video is not null ? video.FirstWallMs + (long)video.FirstOffset * 1000 / video.Timescale : tracks[0].FirstWallMs;
    }

    private static byte[] Moov(IReadOnlyList<Mp4Track> tracks, long mdatPayloadStart, bool wide)
    {
        var start = StartMs(tracks);
        var w = new Mp4BoxWriter();
        w.Open("moov");
        var movieDuration = tracks.Max(t => Presented(t, start).Delay + Presented(t, start).Length);
        w.OpenFull("mvhd", 1, 0);
        w.U64(0);
        w.U64(0);
        w.U32(MovieTimescale);
        w.U64((ulong)movieDuration);
        w.U32(0x00010000); // rate 1.0
        w.U16(0x0100); // volume 1.0
        w.Zeros(10);
        w.Matrix();
        w.Zeros(24);
        w.U32((uint)(tracks.Max(t => t.Id) + 1));
        w.Close();
        foreach (var track in tracks)
        {
            Trak(w, track, start, mdatPayloadStart, wide);
        }
        w.Close();
        return w.ToArray();
    }

    /// <summary>
    /// Where the track's presentation lies against the movie's start, in ms: an empty edit while it
    /// has not begun (audio that starts after the first frame), and how long it then lasts.
    /// </summary>
    private static (long Delay, long Length, long SkipUnits) Presented(Mp4Track t, long startMs)
    {
        var firstShownMs = t.FirstWallMs + (long)t.FirstOffset * 1000 / t.Timescale;
        var lengthMs = t.Duration * 1000 / t.Timescale;
        var delay = firstShownMs - startMs;
        if (delay >= 0)
        {
            return (delay, lengthMs, t.FirstOffset);
        }
        // Audio from before the first frame: skipped by the edit, so that both start together.
        var skip = Math.Min(-delay, lengthMs);
        return (0, lengthMs - skip, t.FirstOffset + skip * t.Timescale / 1000);
    }

    private static void Trak(Mp4BoxWriter w, Mp4Track t, long startMs, long mdatPayloadStart, bool wide)
    {
        var (delay, length, skip) = Presented(t, startMs);
        w.Open("trak");
        w.OpenFull("tkhd", 1, 3); // enabled, in the movie
        w.U64(0);
        w.U64(0);
        w.U32((uint)t.Id);
        w.U32(0);
        w.U64((ulong)(delay + length));
        w.Zeros(8);
        w.U16(0); // layer
        w.U16(0); // alternate group
        w.U16(t.IsVideo ? 0 : 0x0100);
        w.U16(0);
        w.Matrix();
        w.U32((uint)t.Width << 16);
        w.U32((uint)t.Height << 16);
        w.Close();

        w.Open("edts");
        w.OpenFull("elst", 1, 0);
        w.U32(delay > 0 ? 2u : 1u);
        if (delay > 0)
        {
            w.U64((ulong)delay);
            w.U64(ulong.MaxValue); // media_time -1: an empty edit
            w.U32(0x00010000);
        }
        w.U64((ulong)length);
        w.U64((ulong)skip);
        w.U32(0x00010000);
        w.Close();
        w.Close();

        w.Open("mdia");
        w.OpenFull("mdhd", 1, 0);
        w.U64(0);
        w.U64(0);
        w.U32((uint)t.Timescale);
        w.U64((ulong)t.Duration);
        w.U16(0x55C4); // "und"
        w.U16(0);
        w.Close();
        w.OpenFull("hdlr", 0, 0);
        w.U32(0);
        w.Type(t.IsVideo ? "vide" : "soun");
        w.Zeros(12);
        w.Bytes(t.IsVideo ? "VideoHandler\0"u8 : "SoundHandler\0"u8);
        w.Close();
        w.Open("minf");
        if (t.IsVideo)
        {
            w.OpenFull("vmhd", 0, 1);
            w.Zeros(8);
        }
        else
        {
            w.OpenFull("smhd", 0, 0);
            w.Zeros(4);
        }
        w.Close();
        w.Open("dinf");
        w.OpenFull("dref", 0, 0);
        w.U32(1);
        w.OpenFull("url ", 0, 1); // the media is in this file
        w.Close();
        w.Close();
        w.Close();
        Stbl(w, t, mdatPayloadStart, wide);
        w.Close(); // minf
        w.Close(); // mdia
        w.Close(); // trak
    }

    private static void Stbl(Mp4BoxWriter w, Mp4Track t, long mdatPayloadStart, bool wide)
    {
        w.Open("stbl");
        w.OpenFull("stsd", 0, 0);
        w.U32(1);
        if (t.IsVideo)
        {
            Mp4SampleEntries.Avc1(w, t);
        }
        else
        {
            Mp4SampleEntries.Mp4a(w, t);
        }
        w.Close();

        // stts: runs of equal durations.
        var runs = new List<(int Count, long Value)>();
        for (var i = 0; i < t.Count; i++)
        {
            Run(runs, t.DurationOf(i));
        }
        w.OpenFull("stts", 0, 0);
        w.U32((uint)runs.Count);
        foreach (var (count, value) in runs)
        {
            w.U32((uint)count);
            w.U32((uint)value);
        }
        w.Close();

        if (t.HasOffsets)
        {
            // ctts: runs of equal composition offsets; version 1 when an offset is negative (8.6.1.3).
            runs.Clear();
            for (var i = 0; i < t.Count; i++)
            {
                Run(runs, t.OffsetOf(i));
            }
            w.OpenFull("ctts", (byte)(t.HasNegativeOffsets ? 1 : 0), 0);
            w.U32((uint)runs.Count);
            foreach (var (count, value) in runs)
            {
                w.U32((uint)count);
                w.I32((int)value);
            }
            w.Close();
        }

        if (t.IsVideo)
        {
            w.OpenFull("stss", 0, 0);
            w.U32((uint)t.Syncs.Count);
            foreach (var s in t.Syncs)
            {
                w.U32((uint)s);
            }
            w.Close();
        }

        // stsc: runs of chunks holding the same number of samples.
        runs.Clear();
        var firsts = new List<int>();
        for (var c = 0; c < t.Chunks.Count; c++)
        {
            if (runs.Count == 0 || runs[^1].Value != t.Chunks[c].Count)
            {
                firsts.Add(c + 1);
            }
            Run(runs, t.Chunks[c].Count);
        }
        w.OpenFull("stsc", 0, 0);
        w.U32((uint)runs.Count);
        for (var r = 0; r < runs.Count; r++)
        {
            w.U32((uint)firsts[r]);
            w.U32((uint)runs[r].Value);
            w.U32(1);
        }
        w.Close();

        w.OpenFull("stsz", 0, 0);
        w.U32(0);
        w.U32((uint)t.Count);
        foreach (var size in t.Sizes)
        {
            w.U32((uint)size);
        }
        w.Close();

        w.OpenFull(wide ? "co64" : "stco", 0, 0);
        w.U32((uint)t.Chunks.Count);
        foreach (var (offset, _) in t.Chunks)
        {
            if (wide)
            {
                w.U64((ulong)(mdatPayloadStart + offset));
            }
            else
            {
                w.U32((uint)(mdatPayloadStart + offset));
            }
        }
        w.Close();
        w.Close(); // stbl
    }

    private static void Run(List<(int Count, long Value)> runs, long value)
    {
        if (runs.Count > 0 && runs[^1].Value == value)
        {
            runs[^1] = (runs[^1].Count + 1, value);
        }
        else
        {
            runs.Add((1, value));
        }
    }
}
