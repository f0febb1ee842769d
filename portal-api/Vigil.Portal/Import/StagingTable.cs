using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Vigil.Portal.Data;

namespace Vigil.Portal.Import;

/// <summary>A column written by a merge: what it takes from the staged row, and how an existing row takes it (null: only on create).</summary>
internal sealed record MergeColumn(string Column, string Select, string? Set);

/// <summary>
/// A temporary table on the import's own connection that holds the checked rows of one file
/// until they are merged in one short transaction. Staging, not writing straight into the real
/// table, is what keeps a long upload (or the password hashing of a users file) from holding a
/// write transaction open: on SQLite that lock would stop every other write of the portal, logins
/// included, for as long as the client takes to send. The table's primary key on the file's key
/// column finds the duplicate lines without keeping the names in memory. SQLite keeps it in a
/// temporary file, PostgreSQL in temporary buffers that spill to disk: neither grows the heap.
/// </summary>
internal sealed class StagingTable : IAsyncDisposable
{
    private readonly DbConnection _connection;
    private readonly ImportColumn[] _columns;
    private DbCommand? _insert;

    private StagingTable(DbConnection connection, Dialect dialect, string name, ImportColumn[] columns)
    {
        _connection = connection;
        Dialect = dialect;
        Name = name;
        _columns = columns;
    }

    public Dialect Dialect { get; }
    public string Name { get; }
    private string Key => _columns[0].Staged;

    public static async Task<StagingTable> CreateAsync(DbConnection connection, Dialect dialect, ImportKind kind, CancellationToken ct)
    {
        var table = new StagingTable(connection, dialect, "import_" + kind.What, [.. kind.Columns]);
        var columns = string.Concat(kind.Columns.Skip(1).Select(c => $", {c.Staged} {SqlType(dialect, c.Type)}"));
        if (dialect == Dialect.Sqlite)
        {
            // Said, not assumed from how the library was built: the staged rows go to a file, not the heap.
            await table.ExecuteAsync("PRAGMA temp_store = FILE", ct).ConfigureAwait(false);
        }
        // A pooled connection may still have the table of an import that died with an error.
        await table.ExecuteAsync($"DROP TABLE IF EXISTS {table.Name}", ct).ConfigureAwait(false);
        await table.ExecuteAsync(
            $"CREATE TEMP TABLE {table.Name} (line INTEGER NOT NULL, {table.Key} TEXT NOT NULL PRIMARY KEY{columns})", ct).ConfigureAwait(false);
        return table;
    }

    /// <summary>Stages a batch; returns the rows refused because a row with the same key is already staged.</summary>
    public Task<List<StagedRow>> InsertAsync(IReadOnlyList<StagedRow> rows, CancellationToken ct) =>
        Dialect == Dialect.Postgres ? InsertPostgresAsync(rows, ct) : InsertSqliteAsync(rows, ct);

    /// <summary>
    /// PostgreSQL: the batch travels as one array per column through unnest, a single statement
    /// whatever the batch size. The rows it does not return were duplicates.
    /// </summary>
    private async Task<List<StagedRow>> InsertPostgresAsync(IReadOnlyList<StagedRow> rows, CancellationToken ct)
    {
        if (_insert is null)
        {
            var arrays = string.Join(", ", _columns.Select((c, i) => $"${i + 2}::{PostgresType(c.Type)}[]"));
            _insert = Command($"INSERT INTO {Name} (line, {StagedNames}) SELECT * FROM unnest($1::integer[], {arrays}) ON CONFLICT DO NOTHING RETURNING line");
            for (var i = 0; i <= _columns.Length; i++)
            {
                AddParameter(_insert, null);
            }
        }
        _insert.Parameters[0].Value = rows.Select(r => r.Line).ToArray();
        for (var i = 0; i < _columns.Length; i++)
        {
            _insert.Parameters[i + 1].Value = Column(rows, i, _columns[i].Type);
        }
        var inserted = new HashSet<int>();
        await using (var reader = await _insert.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                inserted.Add(reader.GetInt32(0));
            }
        }
        return [.. rows.Where(r => !inserted.Contains(r.Line))];
    }

    /// <summary>
    /// SQLite: one prepared single-row statement run per row, inside one transaction per batch.
    /// SQLite runs in this process, so a statement costs no round trip; a many-row statement would
    /// cost more, as the driver binds each parameter by name, a scan over all of them. The
    /// transaction is deferred (BEGIN, not the driver's default BEGIN IMMEDIATE): it touches only the
    /// temporary database, so it takes no lock on the portal's own.
    /// </summary>
    private async Task<List<StagedRow>> InsertSqliteAsync(IReadOnlyList<StagedRow> rows, CancellationToken ct)
    {
        var duplicates = new List<StagedRow>();
        await using var tx = ((SqliteConnection)_connection).BeginTransaction(deferred: true);
        if (_insert is null)
        {
            var values = string.Join(", ", Enumerable.Range(1, _columns.Length + 1).Select(i => $"${i}"));
            _insert = Command($"INSERT INTO {Name} (line, {StagedNames}) VALUES ({values}) ON CONFLICT DO NOTHING");
            for (var i = 0; i <= _columns.Length; i++)
            {
                AddParameter(_insert, null);
            }
        }
        _insert.Transaction = tx;
        foreach (var row in rows)
        {
            _insert.Parameters[0].Value = row.Line;
            for (var i = 0; i < _columns.Length; i++)
            {
                _insert.Parameters[i + 1].Value = row.Values[i] ?? DBNull.Value;
            }
            // The driver does SQLite's work synchronously either way: the plain call spares a task per row.
            if (_insert.ExecuteNonQuery() == 0)
            {
                duplicates.Add(row);
            }
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        _insert.Transaction = null;
        return duplicates;
    }

    /// <summary>The line of the staged row with this key.</summary>
    public async Task<int> LineOfAsync(string key, CancellationToken ct)
    {
        await using var command = Command($"SELECT line FROM {Name} WHERE {Key} = $1");
        AddParameter(command, key);
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Upserts every staged row into <paramref name="table"/> (whose key column has the staged key's
    /// name) and counts: rows whose key existed are updated, the rest created. An existing row that
    /// the file does not change is left as it is, its updated_at too, so importing the same file
    /// twice changes nothing the second time.
    /// </summary>
    public async Task<(int Created, int Updated)> MergeAsync(DbTransaction tx, string table, IReadOnlyList<MergeColumn> columns, CancellationToken ct)
    {
        await using var count = Command($"SELECT COUNT(*), COUNT(t.{Key}) FROM {Name} s LEFT JOIN {table} t ON t.{Key} = s.{Key}", tx);
        int staged, existing;
        await using (var reader = await count.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            await reader.ReadAsync(ct).ConfigureAwait(false);
            staged = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
            existing = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
        }
        var updates = columns.Where(c => c.Set is not null).ToArray();
        var distinct = Dialect == Dialect.Postgres ? "IS DISTINCT FROM" : "IS NOT";
        var onConflict = updates.Length == 0
            ? "DO NOTHING"
            : $"""
               DO UPDATE SET {string.Join(", ", updates.Select(c => $"{c.Column} = {c.Set}"))}, updated_at = excluded.updated_at
               WHERE {string.Join(" OR ", updates.Select(c => $"{table}.{c.Column} {distinct} ({c.Set})"))}
               """;
        // "WHERE true" settles SQLite's parsing doubt between a join's ON and the upsert's ON CONFLICT.
        await using var merge = Command($"""
            INSERT INTO {table} ({Key}{string.Concat(columns.Select(c => ", " + c.Column))}, created_at, updated_at)
            SELECT {Key}{string.Concat(columns.Select(c => ", " + c.Select))}, $1, $1 FROM {Name} WHERE true
            ON CONFLICT ({Key}) {onConflict}
            """, tx);
        AddParameter(merge, Clock.NowMs());
        await merge.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return (staged - existing, existing);
    }

    public DbCommand Command(string sql, DbTransaction? tx = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        // A merge of a large file on a busy PostgreSQL may run past the 30 s default.
        command.CommandTimeout = 600;
        return command;
    }

    /// <summary>Adds the next positional parameter ($1, $2...): Npgsql takes them unnamed, SQLite by their "$n" names.</summary>
    public void AddParameter(DbCommand command, object? value)
    {
        var parameter = command.CreateParameter();
        if (Dialect == Dialect.Sqlite)
        {
            parameter.ParameterName = "$" + (command.Parameters.Count + 1).ToString(CultureInfo.InvariantCulture);
        }
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public async ValueTask DisposeAsync()
    {
        if (_insert is not null)
        {
            await _insert.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {Name}", CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // A broken connection takes its temporary table with it; a pooled one drops it at the next import.
        }
    }

    private string StagedNames => string.Join(", ", _columns.Select(c => c.Staged));

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static Array Column(IReadOnlyList<StagedRow> rows, int i, ColumnType type) => type switch
    {
        ColumnType.Integer => rows.Select(r => (int?)r.Values[i]).ToArray(),
        ColumnType.Boolean => rows.Select(r => (bool?)r.Values[i]).ToArray(),
        ColumnType.Id => rows.Select(r => (long?)r.Values[i]).ToArray(),
        _ => rows.Select(r => (string?)r.Values[i]).ToArray(),
    };

    private static string SqlType(Dialect dialect, ColumnType type) => type switch
    {
        ColumnType.Integer => "INTEGER",
        ColumnType.Boolean => dialect == Dialect.Postgres ? "BOOLEAN" : "INTEGER",
        ColumnType.Id => "BIGINT",
        _ => "TEXT",
    };

    private static string PostgresType(ColumnType type) => type switch
    {
        ColumnType.Integer => "integer",
        ColumnType.Boolean => "boolean",
        ColumnType.Id => "bigint",
        _ => "text",
    };
}
