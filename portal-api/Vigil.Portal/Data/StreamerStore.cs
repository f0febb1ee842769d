using Dapper;

namespace Vigil.Portal.Data;

/// <summary>Streamers and the placement of cameras on them.</summary>
public sealed class StreamerStore(Database db)
{
    private const string Select = """
        SELECT s.id, s.name, s.kind, s.api_url, s.public_url, s.ingest_url, s.capacity, s.health, s.health_at, s.hook_key_hash,
               (SELECT COUNT(*) FROM cameras c WHERE c.streamer_id = s.id) AS cameras
        FROM streamers s
        """;

    public async Task<IReadOnlyList<Streamer>> ListAsync()
    {
        return await db.QueryAsync<Streamer>($"{Select} ORDER BY s.name").ConfigureAwait(false);
    }

    public async Task<Streamer?> FindAsync(string name)
    {
        return await db.QuerySingleOrDefaultAsync<Streamer>($"{Select} WHERE s.name = @name", new { name }).ConfigureAwait(false);
    }

    public async Task<Streamer?> GetAsync(long id)
    {
        return await db.QuerySingleOrDefaultAsync<Streamer>($"{Select} WHERE s.id = @id", new { id }).ConfigureAwait(false);
    }

    public async Task<Streamer?> CreateAsync(Streamer s)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long?>("""
            INSERT INTO streamers (name, kind, api_url, public_url, ingest_url, capacity, health, hook_key_hash)
            VALUES (@Name, @Kind, @ApiUrl, @PublicUrl, @IngestUrl, @Capacity, @Health, @HookKeyHash)
            ON CONFLICT (name) DO NOTHING RETURNING id
            """, s).ConfigureAwait(false);
        if (id is null)
        {
            return null;
        }
        s.Id = id.Value;
        return s;
    }

    public async Task UpdateAsync(Streamer s)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("""
            UPDATE streamers SET kind = @Kind, api_url = @ApiUrl, public_url = @PublicUrl, ingest_url = @IngestUrl, capacity = @Capacity,
                hook_key_hash = @HookKeyHash WHERE id = @Id
            """, s).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a verdict only when it changes it; true for the one caller that changed it (with
    /// several portal instances probing, the others find it already written).
    /// </summary>
    public async Task<bool> SetHealthAsync(long id, string health)
    {
        return await db.ExecuteAsync("UPDATE streamers SET health = @health, health_at = @at WHERE id = @id AND health <> @health",
            new { id, health, at = Clock.NowMs() }).ConfigureAwait(false) > 0;
    }

    public async Task<bool> DeleteAsync(long id)
    {
        return await db.ExecuteAsync("DELETE FROM streamers WHERE id = @id", new { id }).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Where a new camera goes: the healthy (or not yet probed) streamer with the most room left,
    /// as a share of its capacity; a full one only when every one is full (or never, with
    /// <paramref name="needRoom"/>: a failover does not overload a streamer). Null when there is none.
    /// </summary>
    public async Task<Streamer?> PickAsync(long? except = null, bool needRoom = false, Func<Streamer, bool>? fits = null)
    {
        var all = await ListAsync().ConfigureAwait(false);
        return all
            .Where(s => s.Id != except && s.Health != "down" && (!needRoom || s.Cameras < s.Capacity) && (fits is null || fits(s)))
            .OrderBy(s => s.Cameras >= s.Capacity ? 1 : 0)
            .ThenBy(s => s.Capacity <= 0 ? double.MaxValue : (double)s.Cameras / s.Capacity)
            .ThenBy(s => s.Id)
            .FirstOrDefault();
    }
}
