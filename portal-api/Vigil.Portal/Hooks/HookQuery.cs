namespace Vigil.Portal.Hooks;

/// <summary>
/// One parameter of a raw query string. Flussonic's play hook carries a dozen parameters on every
/// call and the decision reads five: this reads just those, where Request.Query would build a
/// dictionary of every one, on the portal's hottest path.
/// </summary>
internal static class HookQuery
{
    /// <summary>The first value of the parameter, unescaped like a form field ('+' is a space); "" when absent.</summary>
    public static string Get(string? query, string name)
    {
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
            if ((eq < 0 ? pair : pair[..eq]).SequenceEqual(name))
            {
                var value = eq < 0 ? default : pair[(eq + 1)..];
                return value.ContainsAny('%', '+') ? Uri.UnescapeDataString(value.ToString().Replace('+', ' ')) : value.ToString();
            }
        }
        return "";
    }
}
