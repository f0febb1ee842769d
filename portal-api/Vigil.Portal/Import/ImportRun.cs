using System.Buffers;
using System.IO.Pipelines;
using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.Import;

/// <summary>How an import treats bad lines.</summary>
public enum ImportMode
{
    /// <summary>Any bad line and nothing is written (the default).</summary>
    AllOrNothing,
    /// <summary>The good lines are written, the bad ones reported.</summary>
    Partial,
}

/// <summary>
/// One import, the same for every kind: the header names the columns, each line is read and
/// checked as it arrives and staged in batches, and at the end the staged rows are merged in one
/// transaction (or not at all, in all-or-nothing mode when a line was bad). Every line is read to
/// the end whatever happens, so that every bad one is reported.
/// </summary>
internal static class ImportRun
{
    /// <summary>Rows staged a statement: large enough that the statements cost little, small enough to bound a batch's memory.</summary>
    public const int BatchSize = 1000;

    public static async Task<(ImportResult Result, bool Written)> RunAsync(Database db, ImportKind kind, PipeReader body, ImportMode mode, CancellationToken ct)
    {
        if (await LooksLikeJsonAsync(body, ct).ConfigureAwait(false))
        {
            throw ApiException.BadRequest($"the body looks like JSON; the import takes {FileOf(kind)}");
        }
        using var csv = new CsvReader(body);
        var header = await csv.ReadAsync(ct).ConfigureAwait(false)
            ?? throw ApiException.BadRequest($"the body is empty: send a CSV file whose first line names the columns ({ColumnList(kind)})");
        var map = MapHeader(kind, header);
        var present = kind.Columns.Select((_, i) => Array.IndexOf(map, i) >= 0).ToArray();

        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var stage = await StagingTable.CreateAsync(connection, db.Dialect, kind, ct).ConfigureAwait(false);
        var errors = new ImportErrors();
        var batch = new List<StagedRow>(BatchSize);
        var fields = new string?[kind.Columns.Count];
        while (await csv.ReadAsync(ct).ConfigureAwait(false) is { } record)
        {
            var error = record.Error;
            if (error is null && record.Fields!.Length != map.Length)
            {
                error = $"{record.Fields.Length} fields where the header has {map.Length}";
            }
            if (error is null)
            {
                for (var i = 0; i < map.Length; i++)
                {
                    fields[map[i]] = record.Fields![i];
                }
                var values = new object?[fields.Length];
                error = await kind.ReadAsync(fields, values, ct).ConfigureAwait(false);
                if (error is null)
                {
                    batch.Add(new StagedRow(record.Line, values));
                }
            }
            if (error is not null)
            {
                errors.Add(record.Line, error);
            }
            if (batch.Count == BatchSize)
            {
                await StageAsync(kind, stage, batch, errors, mode, ct).ConfigureAwait(false);
            }
        }
        await StageAsync(kind, stage, batch, errors, mode, ct).ConfigureAwait(false);

        if (mode == ImportMode.AllOrNothing && errors.Count > 0)
        {
            return (new ImportResult(0, 0, errors.Listed, errors.NotListed), false);
        }
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var (created, updated) = await kind.MergeAsync(stage, tx, present, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (new ImportResult(created, updated, errors.Listed, errors.NotListed), true);
    }

    private static async Task StageAsync(ImportKind kind, StagingTable stage, List<StagedRow> batch, ImportErrors errors, ImportMode mode, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }
        await kind.PrepareAsync(batch, merging: mode == ImportMode.Partial || errors.Count == 0, ct).ConfigureAwait(false);
        foreach (var duplicate in await stage.InsertAsync(batch, ct).ConfigureAwait(false))
        {
            var first = await stage.LineOfAsync(duplicate.Key, ct).ConfigureAwait(false);
            errors.Add(duplicate.Line, $"{kind.Noun} '{duplicate.Key}' is also on line {first} (each may appear once)");
        }
        batch.Clear();
    }

    /// <summary>
    /// For each field of the header, the column it is. A header that is not a list of column names
    /// (another kind of file) and an unknown or repeated column are refused before anything is read.
    /// </summary>
    private static int[] MapHeader(ImportKind kind, CsvRecord header)
    {
        if (header.Error is not null)
        {
            throw ApiException.BadRequest($"the body is not {FileOf(kind)}: line {header.Line}: {header.Error}");
        }
        var names = header.Fields!.Select(n => n.Trim()).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            // Only a name shaped like a column's is ever repeated back: the first line of a file
            // without a header holds data, and that may be a password.
            if (names[i].Length is 0 or > 64 || !names[i].All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                throw ApiException.BadRequest($"the first line is not a header: field {i + 1} is not a column name; the import takes {FileOf(kind)}");
            }
        }
        var map = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            map[i] = kind.Columns.ToList().FindIndex(c => string.Equals(c.Name, names[i], StringComparison.OrdinalIgnoreCase));
            if (map[i] < 0)
            {
                throw ApiException.BadRequest($"unknown column '{names[i]}'; the columns of {kind.What} are {ColumnList(kind)}");
            }
            if (Array.IndexOf(map, map[i], 0, i) >= 0)
            {
                throw ApiException.BadRequest($"column '{kind.Columns[map[i]].Name}' appears twice in the header");
            }
        }
        if (Array.IndexOf(map, 0) < 0)
        {
            throw ApiException.BadRequest($"the column '{kind.Columns[0].Name}' is required; the columns of {kind.What} are {ColumnList(kind)}");
        }
        return map;
    }

    /// <summary>
    /// Whether the body opens (after a byte order mark and blanks) like a JSON document, for a
    /// clearer refusal than the CSV error its quotes would give. Looks without consuming.
    /// </summary>
    private static async Task<bool> LooksLikeJsonAsync(PipeReader body, CancellationToken ct)
    {
        var read = await body.ReadAsync(ct).ConfigureAwait(false);
        var head = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, 256)).ToArray().AsSpan();
        body.AdvanceTo(read.Buffer.Start);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }
        head = head.TrimStart(" \t\r\n"u8);
        return !head.IsEmpty && head[0] is (byte)'{' or (byte)'[';
    }

    private static string FileOf(ImportKind kind) => $"a CSV file of {kind.What} whose first line names the columns ({ColumnList(kind)})";

    private static string ColumnList(ImportKind kind) => string.Join(",", kind.Columns.Select(c => c.Name));
}
