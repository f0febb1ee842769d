namespace Vigil.Portal.Hooks;

/// <summary>
/// One parameter of a raw query string. Flussonic's play hook carries a dozen parameters on every
/// call and the decision reads five: this reads just those, where Request.Query would build a
/// dictionary of every one, on the portal's hottest path.
///
/// Keys and values are decoded once, as form fields ('+' is a space), before they are compared or
/// checked: the streamer (Go's url.ParseQuery in MediaMTX, Erlang's in Flussonic) reads
/// "st%61rt=" as "start", so a check that looked for the raw spelling only would be skipped.
/// </summary>
internal static class HookQuery
{
    /// <summary>The first value of the parameter, decoded once; "" when absent.</summary>
    public static string Get(string? query, string name) => Find(query, name, out var value, stopAtFirst: true) > 0 ? value : "";

    /// <summary>
    /// A parameter that a check depends on: its value when it appears once, and whether it appears
    /// at all. Twice is ambiguous (which of them does the streamer use?) and refused by the caller.
    /// </summary>
    public static QueryValue Single(string? query, string name) => Find(query, name, out var value, stopAtFirst: false) switch
    {
        0 => QueryValue.Absent,
        1 => new QueryValue(QueryPresence.Once, value),
        _ => new QueryValue(QueryPresence.Repeated, ""),
    };

    /// <summary>How many times the parameter appears (stopping at the first when asked); the first value, decoded.</summary>
    private static int Find(string? query, string name, out string value, bool stopAtFirst)
    {
        value = "";
        var count = 0;
        var rest = query.AsSpan();
        if (rest.StartsWith('?'))
        {
            rest = rest[1..];
        }
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('&');
            var pair = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (key.ContainsAny('%', '+') ? Decode(key) == name : key.SequenceEqual(name))
            {
                if (count++ == 0)
                {
                    value = Decode(eq < 0 ? default : pair[(eq + 1)..]);
                }
                if (stopAtFirst)
                {
                    break;
                }
            }
        }
        return count;
    }

    private static string Decode(ReadOnlySpan<char> text) =>
        text.ContainsAny('%', '+') ? Uri.UnescapeDataString(text.ToString().Replace('+', ' ')) : text.ToString();
}

internal enum QueryPresence
{
    Absent,
    Once,
    Repeated,
}

/// <summary>A query parameter a check reads: absent, present once with its decoded value, or repeated.</summary>
internal readonly record struct QueryValue(QueryPresence Presence, string Value)
{
    public static readonly QueryValue Absent = new(QueryPresence.Absent, "");
}
