using System.Globalization;

namespace Vigil.Portal.Api;

/// <summary>?limit=&amp;offset= on every list: at most 1,000 rows a page, 100 by default.</summary>
public readonly record struct Paging(int Limit, int Offset)
{
    public const int MaxLimit = 1000;

    public static Paging From(HttpContext context)
    {
        var limit = Parse(context, "limit", 100);
        var offset = Parse(context, "offset", 0);
        if (limit is < 1 or > MaxLimit)
        {
            throw ApiException.BadRequest($"limit must be 1 to {MaxLimit}");
        }
        return new Paging(limit, offset);
    }

    private static int Parse(HttpContext context, string name, int fallback)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ApiException.BadRequest($"{name} must be a non-negative integer");
    }
}

/// <summary>Checks on names and fields shared by the API and the importers.</summary>
public static class Check
{
    /// <summary>Camera, group and streamer names go into URLs and streamer configs: letters, digits, '-', '_', '.'.</summary>
    public static string? NameError(string field, string? value, int max = 64)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{field} is required";
        }
        if (value.Length > max)
        {
            return $"{field} is longer than {max} characters";
        }
        foreach (var ch in value)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
            {
                return $"{field} may hold only letters, digits, '-', '_' and '.'";
            }
        }
        return value[0] == '.' ? $"{field} may not start with '.'" : null;
    }

    public static string? LengthError(string field, string? value, int max) =>
        value is not null && value.Length > max ? $"{field} is longer than {max} characters" : null;

    /// <summary>A URL with one of the given schemes, or empty.</summary>
    public static string? UrlError(string field, string? value, params string[] schemes)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        if (value.Length > 2048 || !Uri.TryCreate(value, UriKind.Absolute, out var u) || !schemes.Contains(u.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            return $"{field} must be a {string.Join(" or ", schemes)} URL";
        }
        return null;
    }

    public static void Throw(params string?[] errors)
    {
        foreach (var e in errors)
        {
            if (e is not null)
            {
                throw ApiException.BadRequest(e);
            }
        }
    }
}
