using System.Data.Common;
using System.Globalization;

namespace Vigil.Portal.Import;

internal enum ColumnType
{
    Text,
    Integer,
    Boolean,
    /// <summary>A row id (a group's, a streamer's): BIGINT, null for none.</summary>
    Id,
}

/// <summary>A column of an import file, and the column of the staging table its value waits in.</summary>
internal sealed record ImportColumn(string Name, string Staged, ColumnType Type);

/// <summary>A line that passed every check, with its values in the order of <see cref="ImportKind.Columns"/>.</summary>
internal sealed record StagedRow(int Line, object?[] Values)
{
    public string Key => (string)Values[0]!;
}

/// <summary>
/// What one import of one kind (users, cameras) knows: its columns, how a line becomes a row, and
/// how staged rows become real ones. A new instance serves each request, so it may keep caches.
/// </summary>
internal abstract class ImportKind
{
    /// <summary>The plural for messages and logs: "users", "cameras".</summary>
    public abstract string What { get; }

    /// <summary>The singular for messages: "user", "camera".</summary>
    public abstract string Noun { get; }

    /// <summary>Every column the file may have; the first is the key, which the file must have.</summary>
    public abstract IReadOnlyList<ImportColumn> Columns { get; }

    /// <summary>
    /// Checks a line and fills <paramref name="values"/> (in the order of <see cref="Columns"/>);
    /// <paramref name="fields"/> holds null for a column the file does not have. Returns why the
    /// line is refused, or null.
    /// </summary>
    public abstract ValueTask<string?> ReadAsync(string?[] fields, object?[] values, CancellationToken ct);

    /// <summary>Last work on a batch before it is staged; <paramref name="merging"/> is false once the import will write nothing.</summary>
    public virtual Task PrepareAsync(IReadOnlyList<StagedRow> rows, bool merging, CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Moves the staged rows into their table, inside <paramref name="tx"/>; <paramref name="present"/>
    /// says which of <see cref="Columns"/> the file has. Returns how many rows were created and updated.
    /// </summary>
    public abstract Task<(int Created, int Updated)> MergeAsync(StagingTable stage, DbTransaction tx, bool[] present, CancellationToken ct);

    /// <summary>true/false, 1/0, yes/no, in any case, with spaces around.</summary>
    protected static bool? Boolean(string? text, string field, ref string? error)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null:
                return null;
            case "true" or "1" or "yes":
                return true;
            case "false" or "0" or "no":
                return false;
            default:
                error ??= $"{field} must be true or false (or 1/0, yes/no)";
                return null;
        }
    }

    protected static int? Integer(string? text, string field, ref string? error)
    {
        if (text is null)
        {
            return null;
        }
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        error ??= $"{field} must be a whole number";
        return null;
    }
}
