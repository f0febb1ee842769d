using Dapper;

namespace Vigil.Portal.Data;

/// <summary>What a relay reports when an agent says hello.</summary>
public sealed record DeviceHello(string DeviceId, string PublicKey, string Fingerprint, string Serial, string Model, string Firmware,
    string AgentVersion, string Address, string RelayNode, string Rid = "");

/// <summary>A connect or disconnect seen by a relay.</summary>
public sealed record PresenceEvent(string DeviceId, bool Connected, string? Address);

/// <summary>Devices (agents), their approval, binding, presence, and the stickers they are claimed with.</summary>
public sealed class DeviceStore(Database db)
{
    // serial_warning flags a device whose reported serial is not its to claim: the serial's sticker is
    // tied to another key, or (a sticker tied to none yet) another key reported the serial first.
    private const string Select = """
        SELECT d.id, d.public_key, d.fingerprint, d.serial, d.model, d.firmware, d.agent_version, d.state, d.camera_id, c.name AS camera,
               d.first_seen, d.last_seen, d.address, d.relay_node, d.connected, d.publish_generation, d.claimed_by, d.video_codec, d.media_error,
               d.rid, d.update_state, d.update_version, d.update_reason, d.update_at,
               CASE
                   WHEN d.serial = '' THEN NULL
                   WHEN st.fingerprint IS NOT NULL AND st.fingerprint <> '' AND st.fingerprint <> d.fingerprint
                       THEN 'the sticker of this serial is tied to another key'
                   WHEN (st.fingerprint IS NULL OR st.fingerprint = '') AND EXISTS (SELECT 1 FROM devices o WHERE o.serial = d.serial AND o.id <> d.id
                       AND (o.first_seen < d.first_seen OR (o.first_seen = d.first_seen AND o.id < d.id)))
                       THEN 'another key reported this serial first'
                   ELSE NULL
               END AS serial_warning
        FROM devices d LEFT JOIN cameras c ON c.id = d.camera_id LEFT JOIN stickers st ON st.serial = d.serial
        """;

    public Task<Device?> GetAsync(string id) => db.QuerySingleOrDefaultAsync<Device>($"{Select} WHERE d.id = @id", new { id });

    public Task<Device?> BoundToAsync(long cameraId) =>
        db.QuerySingleOrDefaultAsync<Device>($"{Select} WHERE d.camera_id = @cameraId ORDER BY d.last_seen DESC LIMIT 1", new { cameraId });

    /// <summary>Newest first; after (a keyset of first_seen and id): only devices past that one in this order.</summary>
    public Task<IReadOnlyList<Device>> ListAsync(string? state, int limit, int offset, (long FirstSeen, string Id)? after = null)
    {
        string[] terms = [state is null ? "" : "d.state = @state", after is null ? "" : "(d.first_seen < @afterSeen OR (d.first_seen = @afterSeen AND d.id > @afterId))"];
        var where = string.Join(" AND ", terms.Where(t => t.Length > 0));
        return db.QueryAsync<Device>($"{Select} {(where.Length > 0 ? "WHERE " + where : "")} ORDER BY d.first_seen DESC, d.id LIMIT @limit OFFSET @offset",
            new { state, limit, offset, afterSeen = after?.FirstSeen ?? 0, afterId = after?.Id ?? "" });
    }

    /// <summary>Records a hello: a new device is pending; a known one gets its facts and presence refreshed.</summary>
    public async Task<Device> HelloAsync(DeviceHello hello)
    {
        var now = Clock.NowMs();
        await db.ExecuteAsync("""
            INSERT INTO devices (id, public_key, fingerprint, serial, model, firmware, agent_version, state, first_seen, last_seen, address, relay_node, connected, rid, hello_at)
            VALUES (@DeviceId, @PublicKey, @Fingerprint, @Serial, @Model, @Firmware, @AgentVersion, 'pending', @now, @now, @Address, @RelayNode, @yes, @Rid, @now)
            ON CONFLICT (id) DO UPDATE SET serial = excluded.serial, model = excluded.model, firmware = excluded.firmware,
                agent_version = excluded.agent_version, last_seen = excluded.last_seen, address = excluded.address,
                relay_node = excluded.relay_node, connected = excluded.connected, rid = excluded.rid, hello_at = excluded.hello_at
            """, new { hello.DeviceId, hello.PublicKey, hello.Fingerprint, hello.Serial, hello.Model, hello.Firmware, hello.AgentVersion, hello.Address, hello.RelayNode, hello.Rid, now, yes = true }).ConfigureAwait(false);
        return (await GetAsync(hello.DeviceId).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Applies a node's batch of connects and disconnects. A snapshot (a node's first report, or its
    /// first after a failure) starts by marking every device the node held as gone, so that links
    /// that ended while the portal could not hear of it do not stay "connected" for ever.
    /// </summary>
    public async Task PresenceAsync(string relayNode, IReadOnlyList<PresenceEvent> events, bool snapshot)
    {
        var now = Clock.NowMs();
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        if (snapshot)
        {
            await c.ExecuteAsync("UPDATE devices SET connected = @no WHERE relay_node = @relayNode AND connected = @yes",
                new { relayNode, yes = true, no = false }, tx).ConfigureAwait(false);
        }
        foreach (var e in events)
        {
            // A disconnect from a node that no longer holds the device (it moved on) changes nothing.
            await c.ExecuteAsync(e.Connected
                ? "UPDATE devices SET connected = @yes, relay_node = @relayNode, last_seen = @now, address = COALESCE(@Address, address) WHERE id = @DeviceId"
                : "UPDATE devices SET connected = @no, last_seen = @now WHERE id = @DeviceId AND relay_node = @relayNode",
                new { e.DeviceId, e.Address, relayNode, now, yes = true, no = false }, tx).ConfigureAwait(false);
        }
        await tx.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>Moves a device to a state; leaving "approved" moves its publish generation on, so old publish tokens die.</summary>
    public Task<int> SetStateAsync(string id, string state) =>
        db.ExecuteAsync("""
            UPDATE devices SET state = @state,
                publish_generation = CASE WHEN state = 'approved' AND @state <> 'approved' THEN publish_generation + 1 ELSE publish_generation END
            WHERE id = @id
            """, new { id, state });

    // Not "BindAsync": minimal APIs take an instance method of that name on an injected type for a
    // malformed parameter binder and fail every request when the endpoints are built.
    public Task<int> SetCameraAsync(string id, long? cameraId) =>
        db.ExecuteAsync("UPDATE devices SET camera_id = @cameraId WHERE id = @id", new { id, cameraId });

    public Task<int> SetMediaAsync(string id, string? videoCodec, string? mediaError) =>
        db.ExecuteAsync("UPDATE devices SET video_codec = @videoCodec, media_error = @mediaError WHERE id = @id", new { id, videoCodec, mediaError });

    /// <summary>Records the outcome of the device's last update (a rollout's step), shown with the device.</summary>
    public Task<int> SetUpdateAsync(string id, string state, string version, string? reason) =>
        db.ExecuteAsync("UPDATE devices SET update_state = @state, update_version = @version, update_reason = @reason, update_at = @now WHERE id = @id",
            new { id, state, version, reason, now = Clock.NowMs() });

    public Task<int> SetClaimedAsync(string id, long userId) =>
        db.ExecuteAsync("UPDATE devices SET claimed_by = @userId WHERE id = @id", new { id, userId });

    /// <summary>Every device that reported the serial, the first seen first.</summary>
    public Task<IReadOnlyList<Device>> WithSerialAsync(string serial) =>
        db.QueryAsync<Device>($"{Select} WHERE d.serial = @serial ORDER BY d.first_seen, d.id", new { serial });

    public Task<Sticker?> StickerAsync(string serial) =>
        db.QuerySingleOrDefaultAsync<Sticker>("SELECT serial, pin_hash, fingerprint FROM stickers WHERE serial = @serial", new { serial });

    /// <summary>
    /// Records a sticker. A fingerprint (the key recorded when the camera was flashed) ties it to that
    /// key; recorded without one, a sticker keeps the key it was tied to before, if any.
    /// </summary>
    public Task<int> SetStickerAsync(string serial, string pinHash, string fingerprint) =>
        db.ExecuteAsync("""
            INSERT INTO stickers (serial, pin_hash, created_at, fingerprint) VALUES (@serial, @pinHash, @now, @fingerprint)
            ON CONFLICT (serial) DO UPDATE SET pin_hash = excluded.pin_hash,
                fingerprint = CASE WHEN excluded.fingerprint <> '' THEN excluded.fingerprint ELSE stickers.fingerprint END
            """, new { serial, pinHash, fingerprint, now = Clock.NowMs() });

    /// <summary>
    /// Ties a sticker that is tied to no key yet to this one (its first claim). False when it was
    /// tied already: the caller reads it again and obeys the key it holds.
    /// </summary>
    public async Task<bool> TieStickerAsync(string serial, string fingerprint) =>
        await db.ExecuteAsync("UPDATE stickers SET fingerprint = @fingerprint WHERE serial = @serial AND fingerprint = ''", new { serial, fingerprint })
            .ConfigureAwait(false) == 1;
}
