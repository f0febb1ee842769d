using System.Globalization;
using System.Text.Json.Serialization.Metadata;

namespace Vigil.Portal.Api;

/// <summary>
/// ?limit=&amp;offset= on every list: at most 1,000 rows a page, 100 by default (lists that had no paging
/// before default to 1,000, so an old client still gets what it got). The answer stays a bare JSON
/// array; when there is more, a <c>Link: &lt;...&gt;; rel="next"</c> header gives the next page's address.
/// Lists that grow at their front or are large (cameras, devices, events) also take ?after=CURSOR, a
/// keyset: a page starts after the last row of the one before, so rows added or removed meanwhile
/// neither repeat nor skip a row; their next link uses it.
/// </summary>
public readonly record struct Paging(int Limit, int Offset, string? After)
{
    public const int MaxLimit = 1000;
    /// <summary>A cursor is a row's sort key (a camera name, a time and an id): short.</summary>
    public const int MaxCursor = 200;

    /// <summary>Rows to ask the database for: one more than the page, to know whether there is a next one.</summary>
    public int Fetch => Limit + 1;

    public static Paging From(HttpContext context, int fallbackLimit = 100)
    {
        var limit = Parse(context, "limit", fallbackLimit);
        var offset = Parse(context, "offset", 0);
        if (limit is < 1 or > MaxLimit)
        {
            throw ApiException.BadRequest($"limit must be 1 to {MaxLimit}");
        }
        var after = context.Request.Query["after"].ToString();
        if (after.Length > MaxCursor)
        {
            throw ApiException.BadRequest($"after is longer than {MaxCursor} characters");
        }
        if (after.Length > 0 && offset > 0)
        {
            throw ApiException.BadRequest("give after or offset, not both");
        }
        return new Paging(limit, offset, after.Length > 0 ? after : null);
    }

    /// <summary>A page of a list read whole (short lists: streamers, relays, groups, releases).</summary>
    public IReadOnlyList<T> Slice<T>(IEnumerable<T> all) => all.Skip(Offset).Take(Fetch).ToList();

    /// <summary>
    /// Answers the page (rows read with <see cref="Fetch"/>) and, when there was one row more, the
    /// next page's link: by the last row's cursor when the list has one, else by offset.
    /// </summary>
    public IResult Answer<T>(HttpContext context, IReadOnlyList<T> rows, JsonTypeInfo<IReadOnlyList<T>> type, Func<T, string>? cursor = null)
    {
        if (rows.Count <= Limit)
        {
            return Results.Json(rows, type);
        }
        var page = rows.Take(Limit).ToList();
        var query = context.Request.Query
            .Where(q => q.Key is not ("limit" or "offset" or "after"))
            .SelectMany(q => q.Value.Select(v => (q.Key, Value: v ?? "")))
            .Append(("limit", Limit.ToString(CultureInfo.InvariantCulture)))
            .Append(cursor is null ? ("offset", (Offset + Limit).ToString(CultureInfo.InvariantCulture)) : ("after", cursor(page[^1])));
        var next = $"{context.Request.PathBase}{context.Request.Path}?{string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Item1)}={Uri.EscapeDataString(q.Item2)}"))}";
        context.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        return Results.Json(page, type);
    }

    /// <summary>A cursor of a number and a string key ("1733300000000.dev-id"), as the lists ordered by time write it.</summary>
    public static string Cursor(long number, string key) => $"{number.ToString(CultureInfo.InvariantCulture)}.{key}";

    /// <summary>Reads a cursor made by <see cref="Cursor"/>; a malformed one is a clear 400.</summary>
    public (long Number, string Key) ReadCursor()
    {
        var text = After ?? throw new InvalidOperationException("no cursor");
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && long.TryParse(text.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? (n, text[(dot + 1)..])
            : throw ApiException.BadRequest("after is not a cursor this list gave");
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
