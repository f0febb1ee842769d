using System.Globalization;
using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>Flussonic's archive forms that the service answers.</summary>
public enum ArchiveForm
{
    RangePlaylist,
    RangeTs,
    RangeMp4,
    TimeshiftTs,
    TimeshiftPlaylist,
    RecordingStatus,
    Preview,
}

/// <summary>
/// One archive request read from its path: /CAMERA/index-FROM-DURATION.m3u8, /CAMERA/archive-FROM-DURATION.ts|.mp4,
/// /CAMERA/timeshift_abs-FROM.ts|.m3u8, /CAMERA/recording_status.json, /CAMERA/FROM-preview.jpg. FROM is
/// Unix seconds, DURATION seconds, both plain decimal digits: no sign, no exponent, at most 12 digits,
/// FROM within years 1970 to 9999, DURATION from 1 to the configured cap. Anything else is refused with
/// the reason, before any file is looked at.
/// </summary>
public sealed record ArchiveRequest(string Camera, ArchiveForm Form, long From, long Duration)
{
    /// <summary>The last second of the year 9999: any FROM past it is no moment of a recording.</summary>
    public const long MaxFrom = 253_402_300_799;

    private const int MaxDigits = 12;

    public long FromMs => From * 1000;

    public long ToMs => (From + Duration) * 1000;

    public static bool TryParse(string camera, string file, long maxDurationSeconds, out ArchiveRequest? request, out string error)
    {
        request = null;
        if (!CameraName.IsValid(camera))
        {
            error = "not a camera name";
            return false;
        }
        var f = file.AsSpan();
        if (f.SequenceEqual("recording_status.json"))
        {
            request = new ArchiveRequest(camera, ArchiveForm.RecordingStatus, 0, 0);
            error = "";
            return true;
        }
        if (TryForm(f, "index-", ".m3u8", ArchiveForm.RangePlaylist, true, out var form, out var args)
            || TryForm(f, "archive-", ".ts", ArchiveForm.RangeTs, true, out form, out args)
            || TryForm(f, "archive-", ".mp4", ArchiveForm.RangeMp4, true, out form, out args)
            || TryForm(f, "timeshift_abs-", ".ts", ArchiveForm.TimeshiftTs, false, out form, out args)
            || TryForm(f, "timeshift_abs-", ".m3u8", ArchiveForm.TimeshiftPlaylist, false, out form, out args)
            || TryForm(f, "", "-preview.jpg", ArchiveForm.Preview, false, out form, out args))
        {
            var ranged = form is ArchiveForm.RangePlaylist or ArchiveForm.RangeTs or ArchiveForm.RangeMp4;
            var dash = ranged ? args.IndexOf('-') : -1;
            var fromText = dash < 0 ? args : args[..dash];
            if (!TryNumber(fromText, out var from) || from > MaxFrom)
            {
                error = "FROM must be Unix seconds, plain digits";
                return false;
            }
            long duration = 0;
            if (ranged)
            {
                if (dash < 0 || !TryNumber(args[(dash + 1)..], out duration) || duration == 0)
                {
                    error = "DURATION must be whole seconds, 1 or more";
                    return false;
                }
                if (duration > maxDurationSeconds)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"DURATION may be at most {maxDurationSeconds} s");
                    return false;
                }
            }
            request = new ArchiveRequest(camera, form, from, duration);
            error = "";
            return true;
        }
        error = "not an archive form";
        return false;
    }

    private static bool TryForm(ReadOnlySpan<char> file, string prefix, string suffix, ArchiveForm candidate, bool ranged,
        out ArchiveForm form, out ReadOnlySpan<char> args)
    {
        form = candidate;
        args = default;
        if (file.Length <= prefix.Length + suffix.Length || !file.StartsWith(prefix, StringComparison.Ordinal) || !file.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        args = file[prefix.Length..^suffix.Length];
        return ranged || !args.Contains('-');
    }

    private static bool TryNumber(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > MaxDigits)
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
