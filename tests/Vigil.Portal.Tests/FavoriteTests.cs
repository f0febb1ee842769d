using System.Net;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Portal.Tests;

/// <summary>Favorites belong to the account, and never name a camera the account may not see.</summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class FavoriteTests(string database)
{
    [Test]
    public async Task AUserKeepsFavoritesOfTheCamerasItMaySeeAndOnlyThose()
    {
        await using var portal = await PortalServer.StartAsync(database);
        using var admin = await portal.AdminAsync();
        var group = await GroupAsync(admin);
        var seen = await CameraAsync(admin, null, group: group);
        var hidden = await CameraAsync(admin, null);
        var (user, userId) = await portal.UserAsync(admin, Unique("fan"));
        using var _ = user;
        await MemberAsync(admin, group, userId);

        Assert.That((await user.PutJsonAsync($"/api/v1/me/favorites/{seen}", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await user.PutJsonAsync($"/api/v1/me/favorites/{seen}", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent), "adding twice is harmless");
        Assert.That((await user.PutJsonAsync($"/api/v1/me/favorites/{hidden}", new { })).Status, Is.EqualTo(HttpStatusCode.NotFound), "a hidden camera is not found");
        Assert.That((await user.GetAsync("/api/v1/me/favorites")).Text, Is.EqualTo($"[\"{seen}\"]"));
        Assert.That((await admin.GetAsync("/api/v1/me/favorites")).Text, Is.EqualTo("[]"), "favorites are per account");

        // Out of the group, the camera drops out of the list (it stays stored, and comes back with the right).
        Assert.That((await admin.DeleteAsync($"/api/v1/groups/{group}/members/{userId}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await Eventually.True(async () => (await user.GetAsync("/api/v1/me/favorites")).Text == "[]"), Is.True);

        await MemberAsync(admin, group, userId);
        Assert.That(await Eventually.True(async () => (await user.GetAsync("/api/v1/me/favorites")).Text == $"[\"{seen}\"]"), Is.True);
        Assert.That((await user.DeleteAsync($"/api/v1/me/favorites/{seen}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await user.GetAsync("/api/v1/me/favorites")).Text, Is.EqualTo("[]"));
        Assert.That((await portal.Anonymous().GetAsync("/api/v1/me/favorites")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
