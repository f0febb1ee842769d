using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vigil.Portal.Data;

public enum Dialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Where the portal keeps its state: a SQLite file (the embedded default, nothing else to run) or
/// PostgreSQL (the cluster). Every query is plain parameterised SQL that both accept; the few places
/// where they differ ask <see cref="Dialect"/>.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;

    private Database(Dialect dialect, NpgsqlDataSource? postgres, string? sqlite)
    {
        Dialect = dialect;
        _postgres = postgres;
        _sqlite = sqlite;
    }

    public Dialect Dialect { get; }

    /// <summary>"postgres://..." or "Host=..." selects PostgreSQL; anything else is a SQLite file path.</summary>
    public static Database Open(string location)
    {
        if (location.StartsWith("Host=", StringComparison.OrdinalIgnoreCase) ||
            location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = location.Contains("://", StringComparison.Ordinal) ? PostgresUrl.ToConnectionString(location) : location;
            return new Database(Dialect.Postgres, NpgsqlDataSource.Create(connectionString), null);
        }
        SqliteSetup.Init();
        var path = Path.GetFullPath(location);
        // The file holds the installation's keys: made 0600 (its directory 0700) before SQLite first
        // writes it; SQLite gives its -wal and -shm files the database file's mode.
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
        PrivateFiles.CreateFile(path);
        var csb = new SqliteConnectionStringBuilder { DataSource = path, Cache = SqliteCacheMode.Private, Pooling = true };
        return new Database(Dialect.Sqlite, null, csb.ToString());
    }

    /// <summary>The SQLite file's full path; null on PostgreSQL.</summary>
    public string? SqlitePath => _sqlite is null ? null : new SqliteConnectionStringBuilder(_sqlite).DataSource;

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(ct).ConfigureAwait(false);
        }
        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        using var pragma = connection.CreateCommand();
        // WAL lets readers go on while one writer writes; the busy timeout makes writers queue instead
        // of failing at once; foreign keys are off by default in SQLite.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        return connection;
    }

    // One statement on a connection of its own: most reads and writes are just that.
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? param = null)
    {
        await using var c = await OpenAsync().ConfigureAwait(false);
        return [.. await c.QueryAsync<T>(sql, param).ConfigureAwait(false)];
    }

    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param = null)
    {
        await using var c = await OpenAsync().ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<T>(sql, param).ConfigureAwait(false);
    }

    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null)
    {
        await using var c = await OpenAsync().ConfigureAwait(false);
        return await c.ExecuteScalarAsync<T>(sql, param).ConfigureAwait(false);
    }

    public async Task<int> ExecuteAsync(string sql, object? param = null)
    {
        await using var c = await OpenAsync().ConfigureAwait(false);
        return await c.ExecuteAsync(sql, param).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
        if (_sqlite is not null)
        {
            SqliteConnection.ClearAllPools();
        }
    }

    public override string ToString() => Dialect == Dialect.Postgres ? "PostgreSQL" : $"SQLite {new SqliteConnectionStringBuilder(_sqlite).DataSource}";
}

internal static class SqliteSetup
{
    private static int _done;

    public static void Init()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
        }
    }
}

internal static class PostgresUrl
{
    /// <summary>postgres://user:password@host:port/database?sslmode=... as an Npgsql connection string.</summary>
    public static string ToConnectionString(string url)
    {
        var uri = new Uri(url);
        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            csb.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length > 1)
            {
                csb.Password = Uri.UnescapeDataString(parts[1]);
            }
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            csb[Uri.UnescapeDataString(kv[0]).Replace('_', ' ')] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
        }
        return csb.ToString();
    }
}
