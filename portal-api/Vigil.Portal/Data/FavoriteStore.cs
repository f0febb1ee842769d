using Dapper;

namespace Vigil.Portal.Data;

/// <summary>The cameras each user marked as favorites, kept per account so they follow the user from device to device.</summary>
public sealed class FavoriteStore(Database db)
{
    /// <summary>The ids of a user's favorite cameras, oldest first.</summary>
    public async Task<IReadOnlyList<long>> CameraIdsAsync(long userId)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var ids = await c.QueryAsync<long>("SELECT camera_id FROM favorites WHERE user_id = @userId ORDER BY created_at, camera_id", new { userId }).ConfigureAwait(false);
        return ids.ToList();
    }

    public async Task AddAsync(long userId, long cameraId)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("INSERT INTO favorites (user_id, camera_id, created_at) VALUES (@userId, @cameraId, @now) ON CONFLICT DO NOTHING",
            new { userId, cameraId, now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }).ConfigureAwait(false);
    }

    public async Task RemoveAsync(long userId, long cameraId)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("DELETE FROM favorites WHERE user_id = @userId AND camera_id = @cameraId", new { userId, cameraId }).ConfigureAwait(false);
    }
}
