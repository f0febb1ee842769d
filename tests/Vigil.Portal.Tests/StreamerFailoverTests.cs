using Npgsql;
using Vigil.Stack;
using Vigil.Portal.Tests.Faults;

namespace Vigil.Portal.Tests;

/// <summary>
/// Streamer failover in the portal, with two instances probing the same streamers (real nginx
/// processes serving HTTP) on one PostgreSQL database: a streamer that dies has its cameras moved
/// to the ones that are up, never past their capacity, each camera once; health is written only
/// when it changes; a streamer that comes back gets no camera back.
/// </summary>
[NonParallelizable]
public sealed class StreamerFailoverTests
{
    [Test]
    public async Task CamerasOfADeadStreamerMoveOnceWithinCapacityAndStayWhenItReturns()
    {
        ClusterRig.RequirePeers();
        await using var first = await PortalServer.StartAsync(TestDatabases.Postgres);
        await using var second = await PortalServer.StartAsync(TestDatabases.Postgres, sharing: first);
        using var admin = await first.AdminAsync();
        var dead = await ClusterRig.StreamerAsync(admin, first.BaseAddress, Streaming.Unique("dying"), capacity: 10);
        await using var _ = dead;
        await using var roomy = await ClusterRig.StreamerAsync(admin, first.BaseAddress, Streaming.Unique("roomy"), capacity: 2);
        await using var small = await ClusterRig.StreamerAsync(admin, first.BaseAddress, Streaming.Unique("small"), capacity: 1);
        var cameras = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            cameras.Add(await Streaming.CameraAsync(admin, dead.Name));
        }
        Assert.That(await Eventually.True(async () => await HealthAsync(admin, roomy.Name) == "up" && await HealthAsync(admin, dead.Name) == "up"), Is.True);
        var probedAt = await HealthAtAsync(first, roomy.Name);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.That(await HealthAtAsync(first, roomy.Name), Is.EqualTo(probedAt), "an unchanged verdict is not written again");

        await dead.KillAsync();
        async Task<Dictionary<string, string>> Placement() => (await Task.WhenAll(cameras.Select(async c =>
            (c, (await admin.GetAsync($"/api/v1/cameras/{c}")).Json!["streamer"]!.GetValue<string>())))).ToDictionary(x => x.c, x => x.Item2);
        Assert.That(await Eventually.True(async () => (await Placement()).Values.Count(s => s == dead.Name) == 1, 15), Is.True,
            "three cameras move (the room there is), one stays\n" + first.Log.Text);
        var placed = await Placement();
        Assert.That(placed.Values.Count(s => s == roomy.Name), Is.EqualTo(2), "filled to its capacity");
        Assert.That(placed.Values.Count(s => s == small.Name), Is.EqualTo(1), "filled to its capacity");
        Assert.That(await HealthAsync(admin, dead.Name), Is.EqualTo("down"));
        var log = first.Log.Text + second.Log.Text;
        foreach (var camera in placed.Where(p => p.Value != dead.Name).Select(p => p.Key))
        {
            Assert.That(log.Split('\n').Count(l => l.Contains($"camera '{camera}' moved to", StringComparison.Ordinal)), Is.EqualTo(1),
                $"{camera} moved once although both instances saw the streamer die");
        }
        Assert.That(log, Does.Contain($"streamer {dead.Name} is down and no streamer that is up has room"));

        await dead.StartAgainAsync();
        Assert.That(await Eventually.True(async () => await HealthAsync(admin, dead.Name) == "up", 10), Is.True);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(await Placement(), Is.EqualTo(placed), "no camera flaps back to the streamer that returned");
    }

    [Test]
    public async Task AnAssignmentTheRelayCouldNotTakeIsSentWhenItCanAgain()
    {
        ClusterRig.RequirePeers();
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite);
        using var admin = await portal.AdminAsync();
        await using var gate = TcpGate.Start();
        await using var relay = await ClusterRig.StartRelayAsync(admin, portal.BaseAddress, "node-gated", gate);
        await using var dying = await ClusterRig.StreamerAsync(admin, portal.BaseAddress, Streaming.Unique("dying"));
        await using var other = await ClusterRig.StreamerAsync(admin, portal.BaseAddress, Streaming.Unique("other"));
        var (camera, cameraPort) = await MediaPeers.StartCameraAsync(MediaPeers.CameraScript, "--port", "0", "--keyint", "25", "--width", "320", "--height", "240");
        await using var _ = camera;
        var name = Streaming.Unique("cam");
        Assert.That((await admin.PostJsonAsync("/api/v1/cameras", new { name, streamer = dying.Name, stream_url = $"rtsp://127.0.0.1:{cameraPort}/stream" })).Status,
            Is.EqualTo(System.Net.HttpStatusCode.Created));
        await using var agent = await ClusterRig.StartAgentAsync([relay], "GATE0001");
        var id = agent.ReadDeviceId()!;
        Assert.That(await Eventually.True(() => ClusterRig.ConnectedAsync(admin, id), 20), Is.True, agent.Log);
        await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { });
        await admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera = name });
        Assert.That(await Eventually.True(() => Task.FromResult(dying.Publishes(name) > 0), 20), Is.True, "publishing on the first streamer\n" + agent.Log);

        // The portal loses its way to the node's API (the agent's link to the node stays up), then the streamer dies.
        gate.Close();
        await dying.KillAsync();
        Assert.That(await Eventually.True(async () => (await admin.GetAsync($"/api/v1/cameras/{name}")).Json!["streamer"]!.GetValue<string>() == other.Name, 15),
            Is.True, portal.Log.Text);
        Assert.That(await Eventually.True(() => Task.FromResult(portal.Log.Text.Contains($"refused a command for {id}", StringComparison.Ordinal)), 15), Is.True,
            "the push failed\n" + portal.Log.Text);
        Assert.That(other.Publishes(name), Is.Zero, "the agent was not told yet");

        gate.Open();
        Assert.That(await Eventually.True(() => Task.FromResult(other.Publishes(name) > 0), 15), Is.True, "told on a later round\n" + agent.Log);
        Assert.That(await ClusterRig.SessionsAsync(relay), Does.Contain(id), "through the same session, not a new hello");

        // The first streamer is back; an operator moves the camera onto it again: the agent follows at once.
        await dying.StartAgainAsync();
        var before = dying.Publishes(name);
        var moved = await admin.PatchJsonAsync($"/api/v1/cameras/{name}", new { streamer = dying.Name });
        Assert.That(moved.Status, Is.EqualTo(System.Net.HttpStatusCode.OK), moved.Text);
        Assert.That(await Eventually.True(() => Task.FromResult(dying.Publishes(name) > before), 15), Is.True, "a rebalance reaches the agent\n" + agent.Log);
    }

    private static async Task<string> HealthAsync(PortalClient admin, string streamer) =>
        (await admin.GetAsync("/api/v1/streamers")).Json!.AsArray().First(s => s!["name"]!.GetValue<string>() == streamer)!["health"]!.GetValue<string>();

    private static async Task<long?> HealthAtAsync(PortalServer portal, string streamer)
    {
        await using var c = new NpgsqlConnection(portal.Options.Database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT health_at FROM streamers WHERE name = @name", c);
        cmd.Parameters.AddWithValue("name", streamer);
        return await cmd.ExecuteScalarAsync() as long?;
    }
}
