using System.Net;
using System.Text;
using Vigil.Portal.CameraControl;

namespace Vigil.Portal.Tests;

/// <summary>
/// Stills end to end: GetSnapshotUri and the JPEG both through the real relay and AOT agent to the
/// simulated camera behind HTTP Digest; the short cache shared by all viewers; the same rights as
/// live; a hostile camera's endless or stalled image refused within bounds.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class SnapshotThroughAgentTests(string database) : CameraBehindAgentSuite(database)
{
    private string Still => $"/api/v1/cameras/{Rig.CameraName}/snapshot";

    private static string Comment(byte[] jpeg) => Encoding.ASCII.GetString(jpeg, 6, (jpeg[4] << 8) + jpeg[5] - 2);

    private async Task<byte[]> StillAsync(PortalClient client)
    {
        var response = await client.Http.GetAsync(Still);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("image/jpeg"));
        Assert.That((response.Headers.CacheControl!.Private, response.Headers.CacheControl.MaxAge), Is.EqualTo((true, TimeSpan.FromSeconds(3))));
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Test]
    public async Task AStillComesThroughTheTunnelAndIsSharedForAFewSeconds()
    {
        Rig.Camera.Snapshot.Behaviour = "normal";
        await Task.Delay(SnapshotService.CacheFor);
        var taken = Rig.Camera.Snapshot.Taken;
        var first = await StillAsync(Admin);
        Assert.That((first[0], first[1], first[^2], first[^1]), Is.EqualTo(((byte)0xFF, (byte)0xD8, (byte)0xFF, (byte)0xD9)), "a whole JPEG");
        Assert.That(Comment(first), Is.EqualTo($"still {taken + 1}"), "taken now, by the camera");

        var viewers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => StillAsync(Admin)));
        Assert.That(viewers.Select(Comment), Is.All.EqualTo($"still {taken + 1}"), "ten viewers within the cache life: the same still");
        Assert.That(Rig.Camera.Snapshot.Taken, Is.EqualTo(taken + 1), "one fetch at the camera");

        await Task.Delay(SnapshotService.CacheFor + TimeSpan.FromMilliseconds(200));
        Assert.That(Comment(await StillAsync(Admin)), Is.EqualTo($"still {taken + 2}"), "a fresh still once the cache life is over");
        lock (Rig.Camera.Requests)
        {
            Assert.That(Rig.Camera.Requests.Any(r => r.Operation == "GetSnapshotUri" && r.Body.Contains("MediaProfile00000", StringComparison.Ordinal)), Is.True);
        }
        Assert.That(Portal.Log.Text, Does.Not.Contain(CameraBehindAgent.CameraPassword));
    }

    [Test]
    public async Task StillsHaveTheRightsOfLive()
    {
        Rig.Camera.Snapshot.Behaviour = "normal";
        var (member, memberId) = await Portal.UserAsync(Admin, Fixtures.Unique("member"));
        var (stranger, _) = await Portal.UserAsync(Admin, Fixtures.Unique("stranger"));
        Assert.That((await Admin.PutJsonAsync($"/api/v1/groups/{Group}/members/{memberId}", new { can_ptz = false })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(Comment(await StillAsync(member)), Does.StartWith("still "), "a member who may watch gets the still");
        Assert.That((await stranger.GetAsync(Still)).Status, Is.EqualTo(HttpStatusCode.NotFound));
        using var anonymous = Portal.Anonymous();
        Assert.That((await anonymous.GetAsync(Still)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await member.GetAsync("/api/v1/cameras/no-such-camera/snapshot")).Status, Is.EqualTo(HttpStatusCode.NotFound));

        var plain = Fixtures.Unique("plain");
        await Fixtures.CameraAsync(Admin, plain);
        var notOnvif = await Admin.GetAsync($"/api/v1/cameras/{plain}/snapshot");
        Assert.That(notOnvif.Status, Is.EqualTo(HttpStatusCode.Conflict), notOnvif.Text);
        Assert.That(notOnvif.Error, Does.StartWith($"camera '{plain}' has no onvif:// source"));
    }

    [Test]
    public async Task AnEndlessOrStalledImageIsRefusedWithinBounds()
    {
        foreach (var (behaviour, error) in new[] { ("huge", "the image is more than the 4194304 bytes allowed"), ("slow", "did not answer") })
        {
            Rig.Camera.Snapshot.Behaviour = behaviour;
            await Task.Delay(SnapshotService.CacheFor + TimeSpan.FromMilliseconds(200));
            var started = DateTime.UtcNow;
            var answer = await Admin.GetAsync(Still);
            Assert.That(answer.Status, Is.EqualTo(behaviour == "huge" ? HttpStatusCode.BadGateway : HttpStatusCode.GatewayTimeout), answer.Text);
            Assert.That(answer.Error, Does.Contain(error), behaviour);
            Assert.That(DateTime.UtcNow - started, Is.LessThan(SnapshotService.FetchTimeout + TimeSpan.FromSeconds(2)), behaviour);
        }
        Rig.Camera.Snapshot.Behaviour = "normal";
        await Task.Delay(SnapshotService.CacheFor + TimeSpan.FromMilliseconds(200));
        Assert.That(Comment(await StillAsync(Admin)), Does.StartWith("still "), "the camera's next good still is served");
    }
}
