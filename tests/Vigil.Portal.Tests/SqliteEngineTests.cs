using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Portal.Data;

namespace Vigil.Portal.Tests;

/// <summary>
/// The SQLite engine the portal ships (the e_sqlite3 bundle) and the schema on it: a current engine,
/// not the 2021 one (3.35) that came with the old provider, and every migration applied on a new file.
/// </summary>
[TestFixture]
public sealed class SqliteEngineTests
{
    [Test]
    public async Task ThePortalRunsOnACurrentSqliteAndMigratesANewFileToTheNewestSchema()
    {
        var path = await TestDatabases.CreateAsync(TestDatabases.Sqlite);
        await using var db = Database.Open(path);
        await using (var c = await db.OpenAsync())
        {
            var version = Version.Parse(await c.ExecuteScalarAsync<string>("SELECT sqlite_version()") ?? "0.0");
            Assert.That(version, Is.GreaterThanOrEqualTo(new Version(3, 50)), "the bundled SQLite");
            // jsonb() arrived in 3.45: a function the old engine does not have at all.
            Assert.That(await c.ExecuteScalarAsync<string>("SELECT json(jsonb('{\"a\":1}'))"), Is.EqualTo("{\"a\":1}"));
        }
        var newest = await new Migrator(db, NullLogger<Migrator>.Instance).MigrateAsync();
        Assert.That(newest, Is.EqualTo(Schema.Migrations[^1].Version));
        var applied = await db.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version");
        Assert.That(applied, Is.EqualTo(Schema.Migrations.Select(m => m.Version).ToArray()), "each migration once, in order");
        // A second start finds nothing to do and changes nothing.
        Assert.That(await new Migrator(db, NullLogger<Migrator>.Instance).MigrateAsync(), Is.EqualTo(newest));
        Assert.That(await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations"), Is.EqualTo(Schema.Migrations.Length));
        Assert.That(await db.ExecuteScalarAsync<string>("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }
}
