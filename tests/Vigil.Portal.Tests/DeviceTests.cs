using System.Net;
using Vigil.Protocol.Tunnels;

namespace Vigil.Portal.Tests;

[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class DeviceTests(string database)
{
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _node = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        _node = await Fixtures.RelayNodeAsync(_portal, _admin, "node-a");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _portal.DisposeAsync();

    [Test]
    public async Task AnOperatorGivesADeviceToAUserWhoThenOwnsItsCamera()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        await Fixtures.HelloAsync(_node, id, key, serial);
        var login = Fixtures.Unique("owner");
        var (user, _) = await _portal.UserAsync(_admin, login);
        using var __ = user;

        var both = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera = "x", user = login });
        Assert.That(both.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(both.Error, Is.EqualTo("bind to a camera or to a user, not both"));
        var nobody = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { user = "no-such-user" });
        Assert.That(nobody.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(nobody.Error, Is.EqualTo("no user 'no-such-user'"));

        var given = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { user = login });
        Assert.That(given.Status, Is.EqualTo(HttpStatusCode.OK), given.Text);
        var camera = given.Json!["camera"]!.GetValue<string>();
        Assert.That(camera, Is.EqualTo($"cam-{serial.ToLowerInvariant()}"));
        Assert.That(given.Json!["state"]!.GetValue<string>(), Is.EqualTo("pending"), "giving is not approving");
        var seen = await user.GetAsync($"/api/v1/cameras/{camera}");
        Assert.That(seen.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(seen.Json!["owner"]!.GetValue<string>(), Is.EqualTo(login));
        Assert.That(seen.Json!["access"]!.GetValue<string>(), Is.EqualTo("private"));

        // Given to another user, the same camera changes hands: the first user no longer sees it.
        var other = Fixtures.Unique("owner");
        var (second, _) = await _portal.UserAsync(_admin, other);
        using var ___ = second;
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { user = other })).Json!["camera"]!.GetValue<string>(), Is.EqualTo(camera));
        Assert.That((await second.GetAsync($"/api/v1/cameras/{camera}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Eventually.True(async () => (await user.GetAsync($"/api/v1/cameras/{camera}")).Status == HttpStatusCode.NotFound), Is.True);
    }

    [Test]
    public async Task AHelloMakesAPendingDeviceThatApprovalBindingAndRevocationChange()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        var hello = await Fixtures.HelloAsync(_node, id, key, serial);
        Assert.That(hello.Json!["state"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(hello.Json!["assignment"], Is.Null);

        var pending = await _admin.GetAsync("/api/v1/devices?state=pending");
        Assert.That(pending.Text, Does.Contain(id).And.Contain(serial).And.Contain("DS-2CD2143").And.Contain("192.168.1.64").And.Contain("node-a"));
        var device = (await _admin.GetAsync($"/api/v1/devices/{id}")).Json!;
        Assert.That(device["fingerprint"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(device["connected"]!.GetValue<bool>(), Is.True);

        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Json!["state"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That((await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"], Is.Null, "approved but bound to no camera");

        var streamer = Fixtures.Unique("s");
        await Fixtures.StreamerAsync(_admin, streamer);
        var camera = Fixtures.Unique("cam");
        await Fixtures.CameraAsync(_admin, camera);
        var bound = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera });
        Assert.That(bound.Status, Is.EqualTo(HttpStatusCode.OK), bound.Text);
        var assignment = (await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"]!;
        Assert.That(assignment["name"]!.GetValue<string>(), Is.EqualTo(camera));
        Assert.That(assignment["source"]!.GetValue<string>(), Is.EqualTo("rtsp://127.0.0.1:554/main"));
        var token = assignment["token"]!.GetValue<string>();
        Assert.That(assignment["target"]!.GetValue<string>(), Is.EqualTo($"rtmp://127.0.0.1:1935/live/{camera}"));
        Assert.That(token, Does.StartWith("pub1."));
        var cam = (await _admin.GetAsync($"/api/v1/cameras/{camera}")).Json!;
        Assert.That(cam["agent_serial"]!.GetValue<string>(), Is.EqualTo(serial));

        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/revoke", new { })).Json!["state"]!.GetValue<string>(), Is.EqualTo("revoked"));
        var after = (await Fixtures.HelloAsync(_node, id, key, serial)).Json!;
        Assert.That(after["state"]!.GetValue<string>(), Is.EqualTo("revoked"));
        Assert.That(after["assignment"], Is.Null);
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var renewed = (await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"]!["token"]!.GetValue<string>();
        Assert.That(renewed, Is.Not.EqualTo(token), "a revoked device's publish token never works again");
    }

    [Test]
    public async Task TheInternalApiIsForRegisteredNodesOnly()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var body = new { device_id = id, public_key = key, serial = "x" };
        using var anon = _portal.Anonymous();
        Assert.That((await anon.PostJsonAsync("/internal/v1/hello", body)).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await _admin.PostJsonAsync("/internal/v1/hello", body)).Status, Is.EqualTo(HttpStatusCode.Unauthorized), "a user's token is not a node's");
        anon.Bearer("vr_forged");
        Assert.That((await anon.PostJsonAsync("/internal/v1/presence", new { sessions = 1, events = Array.Empty<object>() })).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        var (_, otherKey) = Fixtures.NewDeviceKey();
        var mismatch = await _node.PostJsonAsync("/internal/v1/hello", new { device_id = id, public_key = otherKey, serial = "x" });
        Assert.That(mismatch.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(mismatch.Error, Does.Contain("does not belong"));
    }

    [Test]
    public async Task PresenceIsBatchedAndADisconnectFromAFormerNodeChangesNothing()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(_node, id, key, Fixtures.Unique("SN"));
        var nodeB = await Fixtures.RelayNodeAsync(_portal, _admin, "node-b");
        var moved = await nodeB.PostJsonAsync("/internal/v1/presence", new { sessions = 7, events = new[] { new { device_id = id, connected = true, address = "10.0.0.9" } } });
        Assert.That(moved.Status, Is.EqualTo(HttpStatusCode.OK), moved.Text);
        // The old node reports the old link's end after the device moved on.
        await _node.PostJsonAsync("/internal/v1/presence", new { sessions = 0, events = new[] { new { device_id = id, connected = false, address = (string?)null } } });
        var device = (await _admin.GetAsync($"/api/v1/devices/{id}")).Json!;
        Assert.That(device["relay_node"]!.GetValue<string>(), Is.EqualTo("node-b"));
        Assert.That(device["connected"]!.GetValue<bool>(), Is.True);
        Assert.That(device["address"]!.GetValue<string>(), Is.EqualTo("10.0.0.9"));
        var relays = await _admin.GetAsync("/api/v1/relays");
        Assert.That(relays.Text, Does.Contain("\"sessions\":7"));
        Assert.That(relays.Text, Does.Not.Contain("portal_token").And.Not.Contain("api_token"));
        await nodeB.PostJsonAsync("/internal/v1/presence", new { sessions = 6, events = new[] { new { device_id = id, connected = false, address = (string?)null } } });
        Assert.That((await _admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>(), Is.False);
        var tooMany = Enumerable.Range(0, 10_001).Select(i => new { device_id = "d" + i, connected = true }).ToArray();
        Assert.That((await nodeB.PostJsonAsync("/internal/v1/presence", new { events = tooMany })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task AnEndUserClaimsACameraWithTheSerialAndPinOfItsSticker()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        Assert.That((await _admin.PostJsonAsync("/api/v1/stickers", new { serial, pin = "482915" })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var (alice, aliceId) = await _portal.UserAsync(_admin, Fixtures.Unique("alice"));
        var (mallory, _) = await _portal.UserAsync(_admin, Fixtures.Unique("mallory"));

        var early = await alice.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "482915" });
        Assert.That(early.Status, Is.EqualTo(HttpStatusCode.Conflict), "not online yet");
        await Fixtures.HelloAsync(_node, id, key, serial);
        Assert.That((await alice.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "000000" })).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var claimed = await alice.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "482915" });
        Assert.That(claimed.Status, Is.EqualTo(HttpStatusCode.OK), claimed.Text);
        var name = claimed.Json!["name"]!.GetValue<string>();
        Assert.That(claimed.Json!["owner"]!.GetValue<string>(), Does.StartWith("alice"));
        Assert.That(claimed.Json!["access"]!.GetValue<string>(), Is.EqualTo("private"));
        Assert.That((await _admin.GetAsync($"/api/v1/devices/{id}")).Json!["state"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That((await alice.GetAsync("/api/v1/cameras")).Text, Does.Contain(name));
        Assert.That((await alice.PatchJsonAsync($"/api/v1/cameras/{name}", new { title = "Front door" })).Status, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await mallory.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "482915" })).Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await mallory.GetAsync("/api/v1/cameras")).Text, Does.Not.Contain(name));
        Assert.That((await mallory.GetAsync($"/api/v1/cameras/{name}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(aliceId, Is.GreaterThan(0));
        Assert.That(_portal.Log.Text, Does.Not.Contain("482915"));
    }

    [Test]
    public async Task EachRefusedDeviceChangeAnswersWithItsStatusAndReason()
    {
        foreach (var action in new[] { "approve", "reject", "revoke", "bind" })
        {
            var missing = await _admin.PostJsonAsync($"/api/v1/devices/no-such-device/{action}", new { });
            Assert.That((missing.Status, missing.Error), Is.EqualTo((HttpStatusCode.NotFound, "device not found")), action);
        }
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        await Fixtures.HelloAsync(_node, id, key, serial);
        var noCamera = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera = "no-such-camera" });
        Assert.That((noCamera.Status, noCamera.Error), Is.EqualTo((HttpStatusCode.BadRequest, "no camera 'no-such-camera'")));

        var (other, otherKey) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(_node, other, otherKey, Fixtures.Unique("SN"));
        var camera = Fixtures.Unique("cam");
        await Fixtures.CameraAsync(_admin, camera);
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{other}/bind", new { camera })).Status, Is.EqualTo(HttpStatusCode.OK));
        var held = await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera });
        Assert.That((held.Status, held.Error), Is.EqualTo((HttpStatusCode.Conflict, $"camera '{camera}' is bound to device {other}")));

        await _admin.PostJsonAsync("/api/v1/stickers", new { serial, pin = "271828" });
        var (bob, _) = await _portal.UserAsync(_admin, Fixtures.Unique("bob"));
        var wrong = await bob.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "000001" });
        Assert.That((wrong.Status, wrong.Error), Is.EqualTo((HttpStatusCode.Forbidden, "wrong serial or PIN")));
        await _admin.PostJsonAsync($"/api/v1/devices/{id}/revoke", new { });
        var revoked = await bob.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "271828" });
        Assert.That((revoked.Status, revoked.Error), Is.EqualTo((HttpStatusCode.Conflict, "this camera was revoked by the operator")));
    }

    [Test]
    public async Task GuessingAPinIsThrottled()
    {
        var serial = Fixtures.Unique("SN");
        await _admin.PostJsonAsync("/api/v1/stickers", new { serial, pin = "913370" });
        var (id, key) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(_node, id, key, serial);
        var (eve, _) = await _portal.UserAsync(_admin, Fixtures.Unique("eve"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await eve.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = $"00000{i}" })).Status);
        }
        Assert.That(statuses.Take(5), Is.All.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(statuses.Skip(5), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That((await eve.PostJsonAsync("/api/v1/devices/claim", new { serial, pin = "913370" })).Status, Is.EqualTo(HttpStatusCode.TooManyRequests),
            "even the right PIN waits out the lock");
    }

    [Test]
    public async Task TunnelTokensAreSignedByThePortalForApprovedDevicesOnly()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(_node, id, key, Fixtures.Unique("SN"));
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/tunnel-token", new { port = 80 })).Status, Is.EqualTo(HttpStatusCode.Conflict));
        await _admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { });
        var issued = await _admin.PostJsonAsync($"/api/v1/devices/{id}/tunnel-token", new { port = 80, ttl_seconds = 120 });
        Assert.That(issued.Status, Is.EqualTo(HttpStatusCode.OK), issued.Text);
        var publicKey = Convert.FromBase64String((await _admin.GetAsync("/api/v1/tunnel-key")).Text.Trim());
        var token = issued.Json!["token"]!.GetValue<string>();
        Assert.That(TunnelToken.Verify(token, [publicKey], id, 80, DateTimeOffset.UtcNow, out var parsed), Is.Null);
        Assert.That(parsed!.Subject, Is.EqualTo("admin"));
        Assert.That(TunnelToken.Verify(token, [publicKey], id, 554, DateTimeOffset.UtcNow, out _), Is.Not.Null, "scoped to its port");
        Assert.That(TunnelToken.Verify(token, [publicKey], id, 80, DateTimeOffset.UtcNow.AddMinutes(10), out _), Is.Not.Null, "short-lived");
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/tunnel-token", new { port = 80, ttl_seconds = 7200 })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
