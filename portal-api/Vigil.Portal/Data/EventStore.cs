using System.Text.Json;
using Vigil.Portal.Api;

namespace Vigil.Portal.Data;

/// <summary>A motion, tamper or input event of a camera, as the API lists it. Times are Unix milliseconds.</summary>
public sealed record CameraEvent(long Id, string Camera, long At, string Kind, string Topic, Dictionary<string, string> Source, Dictionary<string, string> Data);

/// <summary>Camera events, kept for the camera's archive depth (a day at least), and the leases that spread their subscriptions over the portal instances.</summary>
public sealed class EventStore(Database db)
{
    public static readonly string[] Kinds = ["motion", "tamper", "input"];

    public async Task<long> AddAsync(long cameraId, long at, string kind, string topic, IReadOnlyDictionary<string, string> source, IReadOnlyDictionary<string, string> data)
    {
        var row = new
        {
            cameraId, at, receivedAt = Clock.NowMs(), kind, topic,
            source = JsonSerializer.Serialize(new Dictionary<string, string>(source), PortalJsonContext.Default.DictionaryStringString),
            data = JsonSerializer.Serialize(new Dictionary<string, string>(data), PortalJsonContext.Default.DictionaryStringString),
        };
        return await db.ExecuteScalarAsync<long>(
            "INSERT INTO camera_events (camera_id, at, received_at, kind, topic, source, data) VALUES (@cameraId, @at, @receivedAt, @kind, @topic, @source, @data) RETURNING id",
            row).ConfigureAwait(false);
    }

    /// <summary>Oldest first within [from, to), optionally of one kind; after (a keyset): only events past that (at, id).</summary>
    public Task<IReadOnlyList<CameraEvent>> ListAsync(long cameraId, string camera, long from, long to, string? kind, int limit, int offset, (long At, long Id)? after = null) =>
        QueryAsync(camera, $"{(after is null ? "" : "AND (at > @afterAt OR (at = @afterAt AND id > @afterId))")} ORDER BY at, id",
            new { cameraId, from, to, kind, limit, offset, afterAt = after?.At ?? 0, afterId = after?.Id ?? 0 }, kind);

    /// <summary>
    /// In the order the portal stored them (by id), within [from, to) of camera time, optionally of
    /// one kind; afterId: only events stored after that one. What a client that polls for new events
    /// asks: an event that comes late with an earlier camera time (a camera whose clock is behind,
    /// events held through a reconnect) still comes after the last one it saw.
    /// </summary>
    public Task<IReadOnlyList<CameraEvent>> ListReceivedAsync(long cameraId, string camera, long from, long to, string? kind, int limit, int offset, long? afterId = null) =>
        QueryAsync(camera, $"{(afterId is null ? "" : "AND id > @afterId")} ORDER BY id", new { cameraId, from, to, kind, limit, offset, afterId = afterId ?? 0 }, kind);

    private async Task<IReadOnlyList<CameraEvent>> QueryAsync(string camera, string afterAndOrder, object parameters, string? kind)
    {
        var rows = await db.QueryAsync<Row>(
            $"""
            SELECT id, at, kind, topic, source, data FROM camera_events
            WHERE camera_id = @cameraId AND at >= @from AND at < @to {(kind is null ? "" : "AND kind = @kind")}
            {afterAndOrder} LIMIT @limit OFFSET @offset
            """,
            parameters).ConfigureAwait(false);
        return rows.Select(r => new CameraEvent(r.Id, camera, r.At, r.Kind, r.Topic, Map(r.Source), Map(r.Data))).ToList();
    }

    /// <summary>Drops what is older than each camera's depth (at least a day).</summary>
    public Task<int> ExpireAsync() =>
        db.ExecuteAsync(
            "DELETE FROM camera_events WHERE at < @now - 86400000 * (SELECT CASE WHEN c.dvr_depth > 1 THEN c.dvr_depth ELSE 1 END FROM cameras c WHERE c.id = camera_events.camera_id)",
            new { now = Clock.NowMs() });

    /// <summary>
    /// Takes or keeps the lease of a camera's subscription for <paramref name="holder"/> until
    /// <paramref name="until"/>: only when it is free, expired, or already this holder's.
    /// </summary>
    public Task<bool> LeaseAsync(long cameraId, string holder, long until) => LeaseRows.TakeAsync(db, "event_leases", "camera_id", cameraId, holder, until);

    public Task ReleaseAsync(long cameraId, string holder) =>
        db.ExecuteAsync("DELETE FROM event_leases WHERE camera_id = @cameraId AND holder = @holder", new { cameraId, holder });

    /// <summary>Cameras whose events can be subscribed to: enabled, an onvif:// source, an approved device bound.</summary>
    public Task<IReadOnlyList<long>> SubscribableAsync() =>
        db.QueryAsync<long>(
            """
            SELECT DISTINCT c.id FROM cameras c JOIN devices d ON d.camera_id = c.id
            WHERE c.enabled = @enabled AND d.state = 'approved' AND c.stream_url LIKE 'onvif://%'
            """,
            new { enabled = true });

    /// <summary>
    /// Whether one camera can still be subscribed to, as <see cref="SubscribableAsync"/> says for all:
    /// what each held subscription asks at every renewal, so it reads one camera's rows, not the fleet's.
    /// </summary>
    public async Task<bool> IsSubscribableAsync(long cameraId) =>
        await db.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM cameras c JOIN devices d ON d.camera_id = c.id
            WHERE c.id = @cameraId AND c.enabled = @enabled AND d.state = 'approved' AND c.stream_url LIKE 'onvif://%'
            """,
            new { cameraId, enabled = true }).ConfigureAwait(false) > 0;

    private static Dictionary<string, string> Map(string json) =>
        JsonSerializer.Deserialize(json, PortalJsonContext.Default.DictionaryStringString) ?? [];

    private sealed class Row
    {
        public long Id { get; set; }
        public long At { get; set; }
        public string Kind { get; set; } = "";
        public string Topic { get; set; } = "";
        public string Source { get; set; } = "{}";
        public string Data { get; set; } = "{}";
    }
}
