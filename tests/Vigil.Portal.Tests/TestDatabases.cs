using Npgsql;

namespace Vigil.Portal.Tests;

/// <summary>
/// The two databases every API suite runs against: a SQLite file, and a fresh database on the real
/// PostgreSQL server that `./build.sh test` starts (VIGIL_TEST_PG).
/// </summary>
public static class TestDatabases
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public static readonly string[] Both = [Sqlite, Postgres];

    /// <summary>A new, empty database of the kind; what to pass to the portal's --database.</summary>
    public static async Task<string> CreateAsync(string kind)
    {
        if (kind == Sqlite)
        {
            return Path.Combine(Directory.CreateTempSubdirectory("vigil-portal-").FullName, "portal.db");
        }
        var server = Environment.GetEnvironmentVariable("VIGIL_TEST_PG");
        if (string.IsNullOrEmpty(server))
        {
            Assert.Fail("the PostgreSQL suites need a server: run ./build.sh test (it starts one), or set VIGIL_TEST_PG to a connection string");
        }
        var name = "vigil_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(server))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }
}
