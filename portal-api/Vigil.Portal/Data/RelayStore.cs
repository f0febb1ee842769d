namespace Vigil.Portal.Data;

/// <summary>Relay nodes known to the portal: how to reach their API, and the token they call the portal with.</summary>
public sealed class RelayStore(Database db)
{
    private const string Select = "SELECT node_id, endpoints, public_key, api_url, api_token, portal_token_hash, last_heartbeat, sessions FROM relay_nodes";

    public Task<IReadOnlyList<RelayRecord>> ListAsync() => db.QueryAsync<RelayRecord>($"{Select} ORDER BY node_id");

    public Task<RelayRecord?> GetAsync(string nodeId) => db.QuerySingleOrDefaultAsync<RelayRecord>($"{Select} WHERE node_id = @nodeId", new { nodeId });

    /// <summary>The node, when it is known and has an API address the portal can call.</summary>
    public async Task<RelayRecord?> ReachableAsync(string? nodeId) =>
        nodeId is null ? null : await GetAsync(nodeId).ConfigureAwait(false) is { ApiUrl.Length: > 0 } node ? node : null;

    public Task<RelayRecord?> ByTokenHashAsync(string hash) => db.QuerySingleOrDefaultAsync<RelayRecord>($"{Select} WHERE portal_token_hash = @hash", new { hash });

    public Task<int> UpsertAsync(RelayRecord n) => db.ExecuteAsync("""
        INSERT INTO relay_nodes (node_id, endpoints, public_key, api_url, api_token, portal_token_hash)
        VALUES (@NodeId, @Endpoints, @PublicKey, @ApiUrl, @ApiToken, @PortalTokenHash)
        ON CONFLICT (node_id) DO UPDATE SET endpoints = excluded.endpoints, public_key = excluded.public_key, api_url = excluded.api_url,
            api_token = excluded.api_token, portal_token_hash = excluded.portal_token_hash
        """, n);

    public Task<int> HeartbeatAsync(string nodeId, int sessions) =>
        db.ExecuteAsync("UPDATE relay_nodes SET last_heartbeat = @now, sessions = @sessions WHERE node_id = @nodeId", new { nodeId, sessions, now = Clock.NowMs() });

    public Task<int> DeleteAsync(string nodeId) => db.ExecuteAsync("DELETE FROM relay_nodes WHERE node_id = @nodeId", new { nodeId });
}
