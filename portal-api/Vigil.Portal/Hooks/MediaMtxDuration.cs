using System.Globalization;

namespace Vigil.Portal.Hooks;

/// <summary>
/// The duration of MediaMTX's playback server (/get?duration=...) read the way MediaMTX reads it:
/// seconds as a decimal number ("60", "200.5"), or else Go's time.ParseDuration form ("27h", "1h30m",
/// "90s", "500ms"), which MediaMTX still accepts. A window check that read only the first form would
/// be skipped by the second: what cannot be read here is refused, never taken as "no duration".
/// </summary>
internal static class MediaMtxDuration
{
    /// <summary>The longest window read: ten years, beyond any archive depth (3650 days).</summary>
    public const double MaxSeconds = 3650 * 86_400.0;

    /// <summary>The duration in seconds, when it is a positive, finite, readable one of at most <see cref="MaxSeconds"/>.</summary>
    public static bool TryParse(string text, out double seconds)
    {
        seconds = 0;
        if (text.Length is 0 or > 64)
        {
            return false;
        }
        if (char.IsAsciiDigit(text[0]) || text[0] == '.')
        {
            // Go's strconv.ParseFloat first: plain decimals (with an exponent); no hex floats, no Inf or NaN, no signs.
            if (double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var plain))
            {
                seconds = plain;
                return IsWindow(seconds);
            }
        }
        return TryParseGo(text, out seconds) && IsWindow(seconds);
    }

    private static bool IsWindow(double seconds) => double.IsFinite(seconds) && seconds > 0 && seconds <= MaxSeconds;

    /// <summary>Go's duration form, unsigned: one or more decimal numbers, each with a unit (ns, us, µs, ms, s, m, h).</summary>
    private static bool TryParseGo(ReadOnlySpan<char> text, out double seconds)
    {
        seconds = 0;
        if (text.IsEmpty)
        {
            return false;
        }
        while (!text.IsEmpty)
        {
            var number = 0;
            while (number < text.Length && (char.IsAsciiDigit(text[number]) || text[number] == '.'))
            {
                number++;
            }
            if (number == 0 || !double.TryParse(text[..number], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }
            text = text[number..];
            var unit = 0;
            while (unit < text.Length && !char.IsAsciiDigit(text[unit]) && text[unit] != '.')
            {
                unit++;
            }
            double scale = text[..unit] switch
            {
                "ns" => 1e-9,
                "us" or "µs" or "μs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => 0,
            };
            if (scale == 0)
            {
                return false;
            }
            seconds += value * scale;
            text = text[unit..];
        }
        return true;
    }
}
