using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vigil.Protocol.Releases;

namespace Vigil.Portal.Tests;

/// <summary>
/// Releases and rollouts through the portal's API on both databases, with devices a registered
/// node reports (its API address left empty, so nothing is pushed): the upload's checks, which
/// devices a target takes and how they are cut into waves, what is left out and why, and the
/// operator's pause, resume and cancel; then the driver failing a device that never comes back
/// and halting the rollout by itself. The pushes to real agents are the firmware tests' RolloutTests.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class RolloutApiTests(string database)
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _node = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database, o =>
        {
            o.ReleaseKeys = $"{Convert.ToBase64String(ReleaseFormat.PublicKey(RandomNumberGenerator.GetBytes(32)))},{Convert.ToBase64String(ReleaseFormat.PublicKey(Key))}";
            o.DataDir = Directory.CreateTempSubdirectory("vigil-portal-data-").FullName;
            o.RolloutTickSeconds = 0.2;
        });
        _admin = await _portal.AdminAsync();
        _node = await Fixtures.RelayNodeAsync(_portal, _admin, Fixtures.Unique("rollout-node"));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _portal.DisposeAsync();

    private async Task<PortalClient.Answer> UploadAsync(string version, string rid = "linux-x64")
    {
        var binary = RandomNumberGenerator.GetBytes(3 * AgentReleaseChunk / 2);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/releases") { Content = new ByteArrayContent([.. ReleaseFormat.Sign(Key, version, rid, binary), .. binary]) };
        return await _admin.SendAsync(request);
    }

    private static int AgentReleaseChunk => Data.AgentReleaseStore.ChunkBytes;

    /// <summary>A device as the node reports its hello, approved.</summary>
    private async Task<string> DeviceAsync(string version, string rid = "linux-x64", string? camera = null)
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var hello = await _node.PostJsonAsync("/internal/v1/hello", new { device_id = id, public_key = key, serial = Fixtures.Unique("SN"), agent_version = version, rid });
        Assert.That(hello.Status, Is.EqualTo(HttpStatusCode.OK), hello.Text);
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        if (camera is not null)
        {
            Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera })).Status, Is.EqualTo(HttpStatusCode.OK));
        }
        return id;
    }

    [Test]
    public async Task AReleaseIsStoredOnceListedAndDeleted()
    {
        var stored = await UploadAsync("5.1.0");
        Assert.That(stored.Status, Is.EqualTo(HttpStatusCode.Created), stored.Text);
        var id = stored.Json!["id"]!.GetValue<long>();
        Assert.That(stored.Json!["name"]!.GetValue<string>(), Is.EqualTo("vigil-agent-5.1.0-linux-x64.release"));
        Assert.That(stored.Json!["size"]!.GetValue<long>(), Is.GreaterThan(3 * AgentReleaseChunk / 2), "the header and the binary, over more than one chunk");
        Assert.That(stored.Json!["sha256"]!.GetValue<string>(), Has.Length.EqualTo(64));
        Assert.That((await UploadAsync("5.1.0")).Status, Is.EqualTo(HttpStatusCode.Conflict), "the same RID and version twice");
        Assert.That((await UploadAsync("5.1.0", "linux-arm64")).Status, Is.EqualTo(HttpStatusCode.Created), "another RID is another release");
        Assert.That((await _admin.GetAsync("/api/v1/releases")).Text, Does.Contain("\"5.1.0\""));
        Assert.That((await _admin.GetAsync($"/api/v1/releases/{id}")).Json!["version"]!.GetValue<string>(), Is.EqualTo("5.1.0"));
        Assert.That((await _admin.DeleteAsync($"/api/v1/releases/{id}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await _admin.GetAsync($"/api/v1/releases/{id}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await UploadAsync("5.1.0")).Status, Is.EqualTo(HttpStatusCode.Created), "once deleted, it can be uploaded again");
    }

    [Test]
    public async Task ARolloutTakesTheTargetsDevicesOfItsRidInWavesAndLeavesOutWhatNeedsNothing()
    {
        var group = Fixtures.Unique("grp");
        Assert.That((await _admin.PostJsonAsync("/api/v1/groups", new { name = group })).Status, Is.EqualTo(HttpStatusCode.Created));
        var members = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var camera = $"{group}-cam{i}";
            await Fixtures.CameraAsync(_admin, camera, group: group);
            members.Add(await DeviceAsync("0.1.0", camera: camera));
        }
        await Fixtures.CameraAsync(_admin, $"{group}-arm", group: group);
        var arm = await DeviceAsync("0.1.0", "linux-arm64", $"{group}-arm");
        await Fixtures.CameraAsync(_admin, $"{group}-same", group: group);
        var same = await DeviceAsync("6.0.0", camera: $"{group}-same");
        await Fixtures.CameraAsync(_admin, $"{group}-newer", group: group);
        var newer = await DeviceAsync("6.1.0", camera: $"{group}-newer");
        var elsewhere = await DeviceAsync("0.1.0");
        var release = (await UploadAsync("6.0.0")).Json!["id"]!.GetValue<long>();

        Assert.That((await _admin.PostJsonAsync("/api/v1/rollouts", new { release_id = release, target = "device", device = arm })).Status, Is.EqualTo(HttpStatusCode.Conflict),
            "an agent of another RID is not a target");
        Assert.That((await _admin.PostJsonAsync("/api/v1/rollouts", new { release_id = release, target = "group", group, waves = new[] { "1", "x" } })).Status,
            Is.EqualTo(HttpStatusCode.BadRequest));

        var created = await _admin.PostJsonAsync("/api/v1/rollouts", new { release_id = release, target = "group", group, waves = new[] { "1", "10%", "50%", "rest" } });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var view = created.Json!;
        var id = view["rollout"]!["id"]!.GetValue<long>();
        Assert.That(view["wave_progress"]!.AsArray().Select(w => w!["devices"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 2, 6, 3 }), "1, 10% and 50% of 12, then the rest");
        var devices = view["devices"]!.AsArray().ToDictionary(d => d!["device_id"]!.GetValue<string>(), d => d!);
        Assert.That(devices.Keys, Is.SupersetOf(members).And.Not.Contains(arm).And.Not.Contains(elsewhere));
        Assert.That(devices[same]["state"]!.GetValue<string>(), Is.EqualTo("skipped"));
        Assert.That(devices[same]["reason"]!.GetValue<string>(), Does.Contain("runs 6.0.0 already"));
        Assert.That(devices[newer]["reason"]!.GetValue<string>(), Does.Contain("a downgrade must be forced"));

        // Another rollout cannot take devices this one has not finished with.
        var other = (await UploadAsync("6.0.1")).Json!["id"]!.GetValue<long>();
        var clash = await _admin.PostJsonAsync("/api/v1/rollouts", new { release_id = other, target = "device", device = members[0] });
        Assert.That(clash.Status, Is.EqualTo(HttpStatusCode.Conflict), clash.Text);
        Assert.That(clash.Error, Does.Contain("another rollout in progress"));

        Assert.That((await _admin.PostJsonAsync($"/api/v1/rollouts/{id}/resume", new { })).Status, Is.EqualTo(HttpStatusCode.Conflict), "it runs");
        Assert.That((await _admin.PostJsonAsync($"/api/v1/rollouts/{id}/pause", new { })).Json!["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("paused"));
        Assert.That((await _admin.PostJsonAsync($"/api/v1/rollouts/{id}/resume", new { })).Json!["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("running"));
        var cancelled = await _admin.PostJsonAsync($"/api/v1/rollouts/{id}/cancel", new { });
        Assert.That(cancelled.Json!["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("cancelled"));
        Assert.That(cancelled.Json!["devices"]!.AsArray().Where(d => members.Contains(d!["device_id"]!.GetValue<string>())).Select(d => d!["state"]!.GetValue<string>()),
            Is.All.EqualTo("skipped"), "nothing was pushed (the node has no API address) and the rest is left out");
        Assert.That((await _admin.DeleteAsync($"/api/v1/releases/{release}")).Status, Is.EqualTo(HttpStatusCode.NoContent), "a finished rollout does not hold its release");
    }

    [Test]
    public async Task ADeviceThatNeverComesBackFailsItsWaveAndTheRolloutHaltsByItself()
    {
        var device = await DeviceAsync("0.1.0", "linux-riscv64");
        var release = (await UploadAsync("7.0.0", "linux-riscv64")).Json!["id"]!.GetValue<long>();
        var created = await _admin.PostJsonAsync("/api/v1/rollouts", new { release_id = release, target = "device", device, come_back_seconds = 10 });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var id = created.Json!["rollout"]!["id"]!.GetValue<long>();
        JsonNode view = null!;
        Assert.That(await Eventually.True(async () => (view = (await _admin.GetAsync($"/api/v1/rollouts/{id}")).Json!)["rollout"]!["state"]!.GetValue<string>() == "halted", 30),
            Is.True, () => view.ToJsonString() + "\n" + _portal.Log.Text);
        Assert.That(view["rollout"]!["reason"]!.GetValue<string>(), Does.Contain("1 of 1 device(s) failed").And.Contain("not reachable through any relay"));
        Assert.That(view["devices"]![0]!["state"]!.GetValue<string>(), Is.EqualTo("failed"));
        var shown = (await _admin.GetAsync($"/api/v1/devices/{device}")).Json!;
        Assert.That(shown["update_state"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(shown["update_version"]!.GetValue<string>(), Is.EqualTo("7.0.0"));
        Assert.That(shown["rid"]!.GetValue<string>(), Is.EqualTo("linux-riscv64"));
    }
}
