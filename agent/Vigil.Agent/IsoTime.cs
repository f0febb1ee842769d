namespace Vigil.Agent;

/// <summary>Formats UTC times as ISO-8601 by hand: DateTime's formatter drags in time zones and TimeSpan parsing.</summary>
internal static class IsoTime
{
    /// <summary>yyyy-MM-ddTHH:mm:ssZ, or with <paramref name="milliseconds"/> yyyy-MM-ddTHH:mm:ss.fffZ.</summary>
    public static string Format(DateTime utc, bool milliseconds)
    {
        Span<char> s = stackalloc char[24];
        Digits(s[..4], utc.Year);
        s[4] = '-';
        Digits(s.Slice(5, 2), utc.Month);
        s[7] = '-';
        Digits(s.Slice(8, 2), utc.Day);
        s[10] = 'T';
        Digits(s.Slice(11, 2), utc.Hour);
        s[13] = ':';
        Digits(s.Slice(14, 2), utc.Minute);
        s[16] = ':';
        Digits(s.Slice(17, 2), utc.Second);
        var length = 19;
        if (milliseconds)
        {
            s[19] = '.';
            Digits(s.Slice(20, 3), utc.Millisecond);
            length = 23;
        }
        s[length++] = 'Z';
        return new string(s[..length]);
    }

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }
}
