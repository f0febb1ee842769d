using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Vigil.Portal.Data;

/// <summary>
/// Brings the schema to the newest version at start. On PostgreSQL an advisory lock makes portal
/// instances that start together take turns, so each migration runs once.
/// </summary>
internal sealed class Migrator(Database db, ILogger<Migrator> log)
{
    private const long LockKey = 0x5649_4749_4C00; // "VIGIL"

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        if (db.Dialect == Dialect.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@LockKey)", new { LockKey }).ConfigureAwait(false);
        }
        try
        {
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)").ConfigureAwait(false);
            var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations").ConfigureAwait(false)).ToHashSet();
            var newest = Schema.Migrations[^1].Version;
            if (applied.Count > 0 && applied.Max() > newest)
            {
                throw new InvalidOperationException($"the database is at schema version {applied.Max()}, newer than this portal knows ({newest}); run a newer vigil-portal");
            }
            foreach (var (version, name, sql) in Schema.Migrations)
            {
                if (applied.Contains(version))
                {
                    continue;
                }
                await ApplyAsync(connection, version, name, Schema.For(db.Dialect, sql), ct).ConfigureAwait(false);
                PortalLog.Migrated(log, version, name);
            }
            return newest;
        }
        finally
        {
            if (db.Dialect == Dialect.Postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey }).ConfigureAwait(false);
            }
        }
    }

    private static async Task ApplyAsync(DbConnection connection, int version, string name, string sql, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(sql, transaction: tx).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
            new { version, name, at = Clock.NowMs() }, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}

public static class Clock
{
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
