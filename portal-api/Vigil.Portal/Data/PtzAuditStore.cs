namespace Vigil.Portal.Data;

/// <summary>One PTZ action as the audit log keeps it: who (null and "portal" for the portal's own stop), when, what.</summary>
public sealed class PtzAuditEntry
{
    public long Id { get; set; }
    public string Camera { get; set; } = "";
    public long? UserId { get; set; }
    public string Login { get; set; } = "";
    /// <summary>Unix milliseconds.</summary>
    public long At { get; set; }
    public string Action { get; set; } = "";
    public string Detail { get; set; } = "";
}

/// <summary>The PTZ audit log: every action on every camera's head, kept with the camera.</summary>
public sealed class PtzAuditStore(Database db)
{
    public Task AddAsync(long cameraId, long? userId, string login, string action, string detail) =>
        db.ExecuteAsync(
            "INSERT INTO ptz_audit (camera_id, user_id, login, at, action, detail) VALUES (@cameraId, @userId, @login, @at, @action, @detail)",
            new { cameraId, userId, login, at = Clock.NowMs(), action, detail });

    /// <summary>Newest first.</summary>
    public Task<IReadOnlyList<PtzAuditEntry>> ListAsync(long cameraId, int limit, int offset) =>
        db.QueryAsync<PtzAuditEntry>(
            """
            SELECT a.id, c.name AS camera, a.user_id, a.login, a.at, a.action, a.detail
            FROM ptz_audit a JOIN cameras c ON c.id = a.camera_id
            WHERE a.camera_id = @cameraId ORDER BY a.at DESC, a.id DESC LIMIT @limit OFFSET @offset
            """,
            new { cameraId, limit, offset });
}
