namespace Vigil.Portal.Hooks;

/// <summary>How a file under a camera's path on a streamer node reads: live, the archive, or neither unambiguously.</summary>
internal enum ArchiveFormKind
{
    /// <summary>No archive form (index.m3u8, N.ts, mpegts): what a live token opens.</summary>
    Live,
    /// <summary>An archive form, read whole: the window it asks for is in the <see cref="StreamRequest"/>.</summary>
    Archive,
    /// <summary>Spelt like an archive form but not readable as one (a bad number, an overflow, a duration past the cap): refused.</summary>
    Malformed,
}

/// <summary>
/// Flussonic's archive forms as the streamer-node service serves them beside nginx-rtmp's live HLS,
/// read from the file part of a canonical path (<see cref="StreamPath.CameraOfUri(string, out string)"/>):
///   index-FROM-DURATION.m3u8            HLS of a range
///   archive-FROM-DURATION.ts | .mp4     a range to download (MPEG-TS, progressive MP4)
///   timeshift_abs-FROM.ts | .m3u8       from a moment on, into live
///   FROM-preview.jpg                    a picture of a moment, for the timeline
///   recording_status.json               the recorded ranges
/// FROM is a unix time in seconds (ten or eleven digits: this century, as Flussonic's own parser
/// takes it) and DURATION whole seconds from 1 to <see cref="MaxDurationSeconds"/>, digits only: no
/// sign, no spaces, no exponent, nothing that a reader could take for another number. A name that
/// starts like an archive form and is not one is <see cref="ArchiveFormKind.Malformed"/>, never live:
/// otherwise "index-1700000000-9e9.m3u8" would pass as a live request while the service read some range of it.
/// </summary>
internal static class ArchiveForm
{
    /// <summary>The longest range one request may name: a day, longer than any export or a player's window.</summary>
    public const long MaxDurationSeconds = 86_400;
    /// <summary>The earliest FROM read (2001-09-09): anything earlier is no recording of this service.</summary>
    public const long MinFrom = 1_000_000_000;
    /// <summary>The latest FROM read (5138-11-16): eleven digits, far from any overflow of FROM + DURATION.</summary>
    public const long MaxFrom = 99_999_999_999;

    public const string RecordingStatus = "recording_status.json";

    public static ArchiveFormKind Read(ReadOnlySpan<char> file, out StreamRequest request)
    {
        request = StreamRequest.Live;
        if (file.SequenceEqual(RecordingStatus))
        {
            // The listing of what is recorded: archive rights, no window (the service lists the depth only).
            request = new StreamRequest(true);
            return ArchiveFormKind.Archive;
        }
        if (file.StartsWith("index-") || file.StartsWith("archive-"))
        {
            var dash = file.IndexOf('-');
            return Range(file[(dash + 1)..], file.StartsWith("index-") ? [".m3u8"] : [".ts", ".mp4"], out request);
        }
        if (file.StartsWith("timeshift"))
        {
            if (!file.StartsWith("timeshift_abs-") || !TrimSuffix(file["timeshift_abs-".Length..], [".ts", ".m3u8"], out var from) ||
                !TryFrom(from, out var start))
            {
                return ArchiveFormKind.Malformed;
            }
            // Into live: the window's end is open, the token's own window still bounds the start.
            request = StreamRequest.Window(start, 0);
            return ArchiveFormKind.Archive;
        }
        if (file.EndsWith("-preview.jpg"))
        {
            if (!TryFrom(file[..^"-preview.jpg".Length], out var moment))
            {
                return ArchiveFormKind.Malformed;
            }
            request = StreamRequest.Window(moment, moment + 1) with { Preview = true };
            return ArchiveFormKind.Archive;
        }
        return ArchiveFormKind.Live;
    }

    private static ArchiveFormKind Range(ReadOnlySpan<char> rest, string[] suffixes, out StreamRequest request)
    {
        request = StreamRequest.Live;
        if (!TrimSuffix(rest, suffixes, out var numbers))
        {
            return ArchiveFormKind.Malformed;
        }
        var dash = numbers.IndexOf('-');
        if (dash < 0 || !TryFrom(numbers[..dash], out var from) || !TryDigits(numbers[(dash + 1)..], 5, out var duration) ||
            duration is < 1 or > MaxDurationSeconds)
        {
            return ArchiveFormKind.Malformed;
        }
        request = StreamRequest.Window(from, from + duration);
        return ArchiveFormKind.Archive;
    }

    private static bool TrimSuffix(ReadOnlySpan<char> text, string[] suffixes, out ReadOnlySpan<char> rest)
    {
        foreach (var suffix in suffixes)
        {
            if (text.EndsWith(suffix))
            {
                rest = text[..^suffix.Length];
                return true;
            }
        }
        rest = default;
        return false;
    }

    private static bool TryFrom(ReadOnlySpan<char> text, out long from) =>
        TryDigits(text, 11, out from) && from is >= MinFrom and <= MaxFrom;

    /// <summary>ASCII digits only, at most <paramref name="maxDigits"/> of them, so that the value never overflows.</summary>
    private static bool TryDigits(ReadOnlySpan<char> text, int maxDigits, out long value)
    {
        value = 0;
        if (text.Length is 0 || text.Length > maxDigits)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
