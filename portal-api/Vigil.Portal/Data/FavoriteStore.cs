namespace Vigil.Portal.Data;

/// <summary>The cameras each user marked as favorites, kept per account so they follow the user from device to device.</summary>
public sealed class FavoriteStore(Database db)
{
    /// <summary>The ids of a user's favorite cameras, oldest first.</summary>
    public Task<IReadOnlyList<long>> CameraIdsAsync(long userId) =>
        db.QueryAsync<long>("SELECT camera_id FROM favorites WHERE user_id = @userId ORDER BY created_at, camera_id", new { userId });

    public Task AddAsync(long userId, long cameraId) =>
        db.ExecuteAsync("INSERT INTO favorites (user_id, camera_id, created_at) VALUES (@userId, @cameraId, @now) ON CONFLICT DO NOTHING",
            new { userId, cameraId, now = Clock.NowMs() });

    public Task RemoveAsync(long userId, long cameraId) =>
        db.ExecuteAsync("DELETE FROM favorites WHERE user_id = @userId AND camera_id = @cameraId", new { userId, cameraId });
}
