namespace Vigil.Portal.Data;

/// <summary>
/// The LIKE pattern of a list's search (?q=): the words anywhere, any case, with LIKE's own
/// characters taken literally (the query says ESCAPE '\'), the same on SQLite and PostgreSQL.
/// </summary>
internal static class LikePattern
{
    /// <summary>Compare it with LOWER(column) LIKE @like ESCAPE '\'.</summary>
    public static string Containing(string words) =>
        "%" + words.ToLowerInvariant().Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
}
