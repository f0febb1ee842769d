namespace Vigil.Archive.Export;

/// <summary>What a Range header asks of a representation of a known length (RFC 9110, 14.1 and 14.2).</summary>
public enum RangeAnswer
{
    /// <summary>No Range, another unit, several ranges, or an If-Range: the whole representation, 200.</summary>
    Whole,

    /// <summary>One satisfiable range: 206 with Content-Range.</summary>
    Partial,

    /// <summary>A range that selects nothing, or one that cannot be read: 416 with Content-Range: bytes */LENGTH.</summary>
    Unsatisfiable,
}

/// <summary>
/// One inclusive byte range of a representation, and the parser of the Range header that asks for it.
/// Only a single range is served: a multi-range request (multipart/byteranges) is answered whole, which
/// RFC 9110 14.2 allows ("MAY ignore"), so that thousands of tiny or overlapping ranges cost no more than
/// one download. Numbers are ASCII digits only, saturating instead of overflowing.
/// </summary>
public readonly record struct ByteRange(long First, long Last)
{
    /// <summary>A header longer than this is no single range a player sends: answered whole, never parsed.</summary>
    public const int MaxHeaderLength = 200;

    public long Length => Last - First + 1;

    /// <summary>Reads <paramref name="header"/> against a representation of <paramref name="length"/> bytes.</summary>
    public static RangeAnswer Resolve(string? header, string? ifRange, long length, out ByteRange range)
    {
        range = new ByteRange(0, length - 1);
        if (string.IsNullOrEmpty(header) || header.Length > MaxHeaderLength)
        {
            return RangeAnswer.Whole;
        }
        // An If-Range names a validator this service does not give (no ETag, no Last-Modified): the
        // condition cannot be shown true, so the whole representation is sent (14.2).
        if (!string.IsNullOrEmpty(ifRange))
        {
            return RangeAnswer.Whole;
        }
        var text = header.AsSpan().Trim();
        if (!text.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return RangeAnswer.Whole; // a unit it does not know is ignored (14.2)
        }
        var spec = text[6..].Trim();
        if (spec.Contains(','))
        {
            return RangeAnswer.Whole;
        }
        var dash = spec.IndexOf('-');
        if (dash < 0 || length <= 0)
        {
            return RangeAnswer.Unsatisfiable;
        }
        var firstText = spec[..dash].Trim();
        var lastText = spec[(dash + 1)..].Trim();
        if (firstText.IsEmpty)
        {
            // A suffix: the last N bytes, all of them when N is longer; "-0" selects nothing.
            if (!TryDigits(lastText, out var suffix) || suffix == 0)
            {
                return RangeAnswer.Unsatisfiable;
            }
            range = new ByteRange(Math.Max(0, length - suffix), length - 1);
            return RangeAnswer.Partial;
        }
        if (!TryDigits(firstText, out var first) || first >= length)
        {
            return RangeAnswer.Unsatisfiable;
        }
        var last = length - 1;
        if (!lastText.IsEmpty)
        {
            if (!TryDigits(lastText, out var asked) || asked < first)
            {
                return RangeAnswer.Unsatisfiable; // "5-2" is no range: refused rather than guessed at
            }
            last = Math.Min(asked, length - 1);
        }
        range = new ByteRange(first, last);
        return RangeAnswer.Partial;
    }

    /// <summary>One or more ASCII digits; a value past long's range saturates (it is past any length anyway).</summary>
    private static bool TryDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : value * 10 + (c - '0');
        }
        return true;
    }
}
