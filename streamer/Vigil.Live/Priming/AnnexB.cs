namespace Vigil.Live.Priming;

/// <summary>H.264 in Annex B (ITU-T H.264 annex B): NAL units each after a 00 00 01 or 00 00 00 01 start code.</summary>
internal static class AnnexB
{
    /// <summary>The NAL units of <paramref name="data"/>, without their start codes (and without trailing zero bytes).</summary>
    public static List<ReadOnlyMemory<byte>> Units(ReadOnlyMemory<byte> data)
    {
        var units = new List<ReadOnlyMemory<byte>>();
        var span = data.Span;
        var begin = -1;
        var i = 0;
        while (i + 3 <= span.Length)
        {
            if (span[i] == 0 && span[i + 1] == 0 && span[i + 2] == 1)
            {
                if (begin >= 0)
                {
                    units.Add(Trim(data[begin..i]));
                }
                i += 3;
                begin = i;
            }
            else
            {
                i++;
            }
        }
        if (begin >= 0 && begin < span.Length)
        {
            units.Add(Trim(data[begin..]));
        }
        units.RemoveAll(u => u.Length == 0);
        return units;
    }

    /// <summary>Whether a NAL unit of <paramref name="type"/> (5: an IDR slice) is among those of <paramref name="data"/>.</summary>
    public static bool HasUnit(ReadOnlySpan<byte> data, int type)
    {
        for (var i = 0; i + 3 < data.Length; i++)
        {
            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1F) == type)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Without the zero bytes that end it: the leading zero of a four-byte start code, or padding.</summary>
    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> unit)
    {
        var span = unit.Span;
        var end = span.Length;
        while (end > 0 && span[end - 1] == 0)
        {
            end--;
        }
        return unit[..end];
    }
}
