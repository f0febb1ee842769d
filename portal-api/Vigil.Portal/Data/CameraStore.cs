using System.Data.Common;
using Dapper;

namespace Vigil.Portal.Data;

/// <summary>Cameras, read with the names of their group, owner and streamer.</summary>
public sealed class CameraStore(Database db)
{
    internal const string Select = """
        SELECT c.id, c.name, c.title, c.stream_url, c.substream_url, c.dvr_depth, c.enabled, c.access, c.group_id, g.name AS "group",
               c.owner_id, u.login AS owner, c.agent_serial, c.coordinates, c.postal_address, c.comment, c.streamer_id, s.name AS streamer,
               c.created_at, c.updated_at
        FROM cameras c
        LEFT JOIN groups g ON g.id = c.group_id
        LEFT JOIN users u ON u.id = c.owner_id
        LEFT JOIN streamers s ON s.id = c.streamer_id
        """;

    public async Task<Camera?> GetAsync(string name)
    {
        return await db.QuerySingleOrDefaultAsync<Camera>($"{Select} WHERE c.name = @name", new { name }).ConfigureAwait(false);
    }

    public async Task<Camera?> GetAsync(long id)
    {
        return await db.QuerySingleOrDefaultAsync<Camera>($"{Select} WHERE c.id = @id", new { id }).ConfigureAwait(false);
    }

    /// <summary>
    /// The cameras a user may see: every one for staff; otherwise public and authorized ones, the
    /// user's own, and those of the user's groups; a disabled one only for those who manage it. Anonymous callers (userId 0, staff false) see public ones.
    /// </summary>
    /// <param name="after">A keyset: only cameras whose name sorts after it (the list is by name).</param>
    /// <param name="search">Only cameras whose name or title holds it, any case.</param>
    public async Task<IReadOnlyList<Camera>> ListVisibleAsync(long userId, bool staff, bool authenticated, int limit, int offset, string? after = null, string? search = null)
    {
        // The same rule as CameraAccess, in SQL: a disabled camera only for those who may manage it.
        var rule = staff ? "" : authenticated
            ? """
              (c.owner_id = @userId
                 OR c.group_id IN (SELECT group_id FROM group_members WHERE user_id = @userId AND can_manage = @yes)
                 OR (c.enabled = @yes AND (c.access IN ('public', 'authorized') OR c.group_id IN (SELECT group_id FROM group_members WHERE user_id = @userId))))
              """
            : "c.access = 'public' AND c.enabled = @yes";
        string[] terms =
        [
            rule,
            after is null ? "" : "c.name > @after",
            search is null ? "" : @"(LOWER(c.name) LIKE @like ESCAPE '\' OR LOWER(c.title) LIKE @like ESCAPE '\')",
        ];
        var where = string.Join(" AND ", terms.Where(t => t.Length > 0));
        var like = search is null ? null : LikePattern.Containing(search);
        return await db.QueryAsync<Camera>($"{Select} {(where.Length > 0 ? "WHERE " + where : "")} ORDER BY c.name LIMIT @limit OFFSET @offset",
            new { userId, limit, offset, after, like, yes = true }).ConfigureAwait(false);
    }

    /// <summary>Which of these stream addresses cameras already have; asked in pieces that every database takes as parameters.</summary>
    public async Task<HashSet<string>> ExistingStreamUrlsAsync(IReadOnlyList<string> urls)
    {
        // Npgsql takes a list as one array parameter; for SQLite, Dapper expands IN @chunk into one parameter per item.
        var sql = db.Dialect == Dialect.Postgres
            ? "SELECT stream_url FROM cameras WHERE stream_url = ANY(@chunk)"
            : "SELECT stream_url FROM cameras WHERE stream_url IN @chunk";
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in urls.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            found.UnionWith(await db.QueryAsync<string>(sql, new { chunk }).ConfigureAwait(false));
        }
        return found;
    }

    public async Task<Camera?> CreateAsync(Camera camera)
    {
        camera.CreatedAt = camera.UpdatedAt = Clock.NowMs();
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long?>("""
            INSERT INTO cameras (name, title, stream_url, substream_url, dvr_depth, enabled, access, group_id, owner_id, agent_serial,
                coordinates, postal_address, comment, streamer_id, created_at, updated_at)
            VALUES (@Name, @Title, @StreamUrl, @SubstreamUrl, @DvrDepth, @Enabled, @Access, @GroupId, @OwnerId, @AgentSerial,
                @Coordinates, @PostalAddress, @Comment, @StreamerId, @CreatedAt, @UpdatedAt)
            ON CONFLICT (name) DO NOTHING RETURNING id
            """, camera).ConfigureAwait(false);
        if (id is null)
        {
            return null;
        }
        camera.Id = id.Value;
        return camera;
    }

    public Task<int> UpdateAsync(Camera camera)
    {
        camera.UpdatedAt = Clock.NowMs();
        return db.ExecuteAsync("""
            UPDATE cameras SET title = @Title, stream_url = @StreamUrl, substream_url = @SubstreamUrl, dvr_depth = @DvrDepth,
                enabled = @Enabled, access = @Access, group_id = @GroupId, owner_id = @OwnerId, agent_serial = @AgentSerial,
                coordinates = @Coordinates, postal_address = @PostalAddress, comment = @Comment, streamer_id = @StreamerId,
                updated_at = @UpdatedAt
            WHERE id = @Id
            """, camera);
    }

    /// <summary>The ids of the cameras placed on a streamer.</summary>
    public Task<IReadOnlyList<long>> OnStreamerAsync(long streamerId) =>
        db.QueryAsync<long>("SELECT id FROM cameras WHERE streamer_id = @streamerId ORDER BY id", new { streamerId });

    /// <summary>The name and archive depth (days) of each camera placed on a streamer: what its archive keeps.</summary>
    public Task<IReadOnlyList<CameraDepthRow>> DepthsOnStreamerAsync(long streamerId) =>
        db.QueryAsync<CameraDepthRow>("SELECT name, dvr_depth AS DvrDepth FROM cameras WHERE streamer_id = @streamerId ORDER BY name", new { streamerId });

    /// <summary>
    /// Moves a camera from one streamer to another only if it is still on the first and the other
    /// still has room: when several portal instances move the cameras of a failed streamer at once,
    /// each camera moves once and the one instance that moved it tells its agent. (Room is checked
    /// in the same statement, not locked: instances racing for a streamer's last places may put a
    /// camera or two past its capacity, never a streamer's worth.)
    /// </summary>
    public async Task<bool> MoveAsync(long id, long from, long to)
    {
        return await db.ExecuteAsync("""
            UPDATE cameras SET streamer_id = @to, updated_at = @at
            WHERE id = @id AND streamer_id = @from
              AND (SELECT COUNT(*) FROM cameras WHERE streamer_id = @to) < (SELECT capacity FROM streamers WHERE id = @to)
            """,
            new { id, from, to, at = Clock.NowMs() }).ConfigureAwait(false) > 0;
    }

    public async Task<bool> DeleteAsync(long id)
    {
        return await db.ExecuteAsync("DELETE FROM cameras WHERE id = @id", new { id }).ConfigureAwait(false) > 0;
    }
}

/// <summary>A camera's name and archive depth, as a streamer's archive asks for them.</summary>
public sealed class CameraDepthRow
{
    public string Name { get; set; } = "";
    public int DvrDepth { get; set; }
}
