using Dapper;

namespace Vigil.Portal.Data;

/// <summary>
/// Signed agent releases, kept in the database in chunks of <see cref="ChunkBytes"/> so that every
/// portal of a cluster can push them to a relay, and so that neither storing nor pushing one ever
/// holds more than a chunk in memory.
/// </summary>
public sealed class AgentReleaseStore(Database db)
{
    public const int ChunkBytes = 1024 * 1024;

    private const string Select = "SELECT id, name, version, rid, size, sha256, uploaded_by, created_at FROM agent_releases";

    public Task<IReadOnlyList<AgentRelease>> ListAsync() => db.QueryAsync<AgentRelease>($"{Select} ORDER BY rid, created_at DESC");

    public Task<AgentRelease?> GetAsync(long id) => db.QuerySingleOrDefaultAsync<AgentRelease>($"{Select} WHERE id = @id", new { id });

    public Task<AgentRelease?> FindAsync(string rid, string version) =>
        db.QuerySingleOrDefaultAsync<AgentRelease>($"{Select} WHERE rid = @rid AND version = @version", new { rid, version });

    /// <summary>Stores a verified release file; null when one of that RID and version is there already.</summary>
    public async Task<AgentRelease?> AddAsync(AgentRelease release, string file, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long?>("""
            INSERT INTO agent_releases (name, version, rid, size, sha256, uploaded_by, created_at)
            VALUES (@Name, @Version, @Rid, @Size, @Sha256, @UploadedBy, @CreatedAt)
            ON CONFLICT DO NOTHING RETURNING id
            """, release, tx).ConfigureAwait(false);
        if (id is null)
        {
            return null;
        }
        await using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true))
        {
            var buffer = new byte[ChunkBytes];
            for (var seq = 0; ; seq++)
            {
                var n = await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                var data = n == buffer.Length ? buffer : buffer[..n];
                await c.ExecuteAsync("INSERT INTO agent_release_chunks (release_id, seq, data) VALUES (@id, @seq, @data)", new { id, seq, data }, tx).ConfigureAwait(false);
            }
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        release.Id = id.Value;
        return release;
    }

    /// <summary>Writes the release file to <paramref name="output"/> chunk by chunk.</summary>
    public async Task CopyToAsync(long id, Stream output, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct).ConfigureAwait(false);
        for (var seq = 0; ; seq++)
        {
            var data = await c.ExecuteScalarAsync<byte[]?>("SELECT data FROM agent_release_chunks WHERE release_id = @id AND seq = @seq", new { id, seq }).ConfigureAwait(false);
            if (data is null)
            {
                return;
            }
            await output.WriteAsync(data, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes a release that no rollout in progress (running, paused, halted) rolls out, with the
    /// records of the finished rollouts of it: null when there is no such release, false when one is in progress.
    /// </summary>
    public async Task<bool?> DeleteAsync(long id)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM agent_releases WHERE id = @id", new { id }, tx).ConfigureAwait(false) == 0)
        {
            return null;
        }
        if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rollouts WHERE release_id = @id AND state IN ('running', 'paused', 'halted')", new { id }, tx).ConfigureAwait(false) > 0)
        {
            return false;
        }
        await c.ExecuteAsync("DELETE FROM rollouts WHERE release_id = @id", new { id }, tx).ConfigureAwait(false);
        await c.ExecuteAsync("DELETE FROM agent_releases WHERE id = @id", new { id }, tx).ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
        return true;
    }
}
