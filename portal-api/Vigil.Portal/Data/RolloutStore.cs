using Dapper;

namespace Vigil.Portal.Data;

/// <summary>Rollouts of agent releases, the devices of each by wave, and the lease of the one driver of a cluster.</summary>
public sealed class RolloutStore(Database db)
{
    private const string Select = """
        SELECT r.id, r.release_id, a.name AS release, a.version, a.rid, r.target, r.waves, r.failure_percent, r.downgrade, r.come_back_seconds,
               r.state, r.reason, r.current_wave, r.wave_started_at, r.created_by, r.created_at, r.updated_at
        FROM rollouts r JOIN agent_releases a ON a.id = r.release_id
        """;

    private const string SelectDevices = """
        SELECT rd.rollout_id, rd.device_id, d.serial, c.name AS camera, rd.wave, rd.state, rd.reason, rd.from_version, d.agent_version,
               rd.relay_node, rd.attempts, rd.sent, rd.started_at, rd.ended_at, d.connected, d.relay_node AS device_relay_node, d.hello_at
        FROM rollout_devices rd JOIN devices d ON d.id = rd.device_id LEFT JOIN cameras c ON c.id = d.camera_id
        """;

    public Task<IReadOnlyList<Rollout>> ListAsync(int limit, int offset) =>
        db.QueryAsync<Rollout>($"{Select} ORDER BY r.id DESC LIMIT @limit OFFSET @offset", new { limit, offset });

    public Task<Rollout?> GetAsync(long id) => db.QuerySingleOrDefaultAsync<Rollout>($"{Select} WHERE r.id = @id", new { id });

    public Task<IReadOnlyList<Rollout>> RunningAsync() =>
        db.QueryAsync<Rollout>($"{Select} WHERE r.state = @state ORDER BY r.id", new { state = RolloutStates.Running });

    public Task<IReadOnlyList<RolloutDevice>> DevicesAsync(long rolloutId, int? wave = null) =>
        db.QueryAsync<RolloutDevice>($"{SelectDevices} WHERE rd.rollout_id = @rolloutId {(wave is null ? "" : "AND rd.wave = @wave")} ORDER BY rd.wave, rd.device_id",
            new { rolloutId, wave });

    /// <summary>Devices that a rollout in progress (running, paused or halted) has not finished with.</summary>
    public Task<IReadOnlyList<string>> BusyDevicesAsync() =>
        db.QueryAsync<string>("""
            SELECT rd.device_id FROM rollout_devices rd JOIN rollouts r ON r.id = rd.rollout_id
            WHERE r.state IN ('running', 'paused', 'halted') AND rd.state NOT IN ('updated', 'failed', 'skipped')
            """);

    /// <summary>Stores a planned rollout and its devices in one transaction; returns its id.</summary>
    public async Task<long> CreateAsync(Rollout r, IReadOnlyList<RolloutDevice> devices)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long>("""
            INSERT INTO rollouts (release_id, target, waves, failure_percent, downgrade, come_back_seconds, state, reason, current_wave, wave_started_at, created_by, created_at, updated_at)
            VALUES (@ReleaseId, @Target, @Waves, @FailurePercent, @Downgrade, @ComeBackSeconds, @State, @Reason, 0, @CreatedAt, @CreatedBy, @CreatedAt, @CreatedAt)
            RETURNING id
            """, r, tx).ConfigureAwait(false);
        foreach (var d in devices)
        {
            await c.ExecuteAsync("""
                INSERT INTO rollout_devices (rollout_id, device_id, wave, state, reason, from_version, ended_at)
                VALUES (@id, @DeviceId, @Wave, @State, @Reason, @FromVersion, @EndedAt)
                """, new { id, d.DeviceId, d.Wave, d.State, d.Reason, d.FromVersion, d.EndedAt }, tx).ConfigureAwait(false);
        }
        await tx.CommitAsync().ConfigureAwait(false);
        return id;
    }

    /// <summary>Moves a rollout to a state when it is in one of <paramref name="from"/>; false when it was not.</summary>
    public async Task<bool> SetStateAsync(long id, string state, string? reason, params string[] from) =>
        await db.ExecuteAsync($"UPDATE rollouts SET state = @state, reason = @reason, updated_at = @now WHERE id = @id AND state IN ({string.Join(", ", from.Select((_, i) => "@f" + i))})",
            Params(new { id, state, reason, now = Clock.NowMs() }, from)).ConfigureAwait(false) == 1;

    /// <summary>Devices of a cancelled rollout that were never started are left out, with the reason.</summary>
    public Task<int> SkipWaitingAsync(long id, string reason) =>
        db.ExecuteAsync("UPDATE rollout_devices SET state = 'skipped', reason = @reason, ended_at = @now WHERE rollout_id = @id AND state = 'waiting'",
            new { id, reason, now = Clock.NowMs() });

    public Task<int> NextWaveAsync(long id, int wave) =>
        db.ExecuteAsync("UPDATE rollouts SET current_wave = @wave, wave_started_at = @now, updated_at = @now WHERE id = @id AND state = 'running'",
            new { id, wave, now = Clock.NowMs() });

    public Task<int> SaveDeviceAsync(RolloutDevice d) =>
        db.ExecuteAsync("""
            UPDATE rollout_devices SET state = @State, reason = @Reason, relay_node = @RelayNode, attempts = @Attempts, sent = @Sent,
                started_at = @StartedAt, ended_at = @EndedAt
            WHERE rollout_id = @RolloutId AND device_id = @DeviceId
            """, d);

    /// <summary>Takes or renews the named lease for <paramref name="holder"/> until <paramref name="until"/>; false while another holds it.</summary>
    public Task<bool> LeaseAsync(string name, string holder, long until) => LeaseRows.TakeAsync(db, "rollout_leases", "name", name, holder, until);

    public Task<int> ReleaseLeaseAsync(string name, string holder) =>
        db.ExecuteAsync("DELETE FROM rollout_leases WHERE name = @name AND holder = @holder", new { name, holder });

    private static DynamicParameters Params(object fixedValues, string[] from)
    {
        var p = new DynamicParameters(fixedValues);
        for (var i = 0; i < from.Length; i++)
        {
            p.Add("f" + i, from[i]);
        }
        return p;
    }
}
