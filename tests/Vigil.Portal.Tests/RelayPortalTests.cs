using System.Net;
using Vigil.Stack;

namespace Vigil.Portal.Tests;

/// <summary>
/// The real relay process reporting to the portal: the AOT agent's hello makes a pending device,
/// presence follows the link, and a revoked device is cut off and kept away.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class RelayPortalTests(string database) : PortalSuite(database)
{
    [Test]
    public async Task AnAgentsHelloReachesThePortalAndARevocationCutsItOff()
    {
        // The node is registered before it starts: its API token is made there and handed to both.
        var nodeId = Fixtures.Unique("relay");
        var (relay, _) = await PortalRelayNode.StartAsync(Admin.Http, Portal.BaseAddress, Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll"), nodeId);
        await using var __ = relay;
        await using var agent = await AgentProcess.StartAsync(AgentBinary.Aot(), relay, [], c => c.Model = "IPC-HDW");
        var id = agent.DeviceId;

        Assert.That(await Eventually.True(async () => (await Admin.GetAsync($"/api/v1/devices/{id}")).Status == HttpStatusCode.OK), Is.True, "the hello reached the portal");
        var device = (await Admin.GetAsync($"/api/v1/devices/{id}")).Json!;
        Assert.That(device["state"]!.GetValue<string>(), Is.EqualTo("pending"));
        Assert.That(device["serial"]!.GetValue<string>(), Is.EqualTo("BENCH0001"));
        Assert.That(device["relay_node"]!.GetValue<string>(), Is.EqualTo(nodeId));
        Assert.That(await Eventually.True(async () => (await Admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>()), Is.True);
        Assert.That(await Eventually.True(async () => (await Admin.GetAsync("/api/v1/relays")).Text.Contains("\"sessions\":1", StringComparison.Ordinal)), Is.True,
            "the node's heartbeat carries its session count");

        Assert.That((await Admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var ping = await Admin.PostJsonAsync($"/api/v1/devices/{id}/commands", new { name = "ping" });
        Assert.That(ping.Json!["ok"]!.GetValue<bool>(), Is.True, ping.Text);

        var revokedAt = DateTime.UtcNow;
        Assert.That((await Admin.PostJsonAsync($"/api/v1/devices/{id}/revoke", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Eventually.True(async () => !await Listed(relay, id)), Is.True, "cut off");
        Assert.That(DateTime.UtcNow - revokedAt, Is.LessThan(TimeSpan.FromSeconds(5)));
        // It dials again (backoff from one second) and is sent away for a long while.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.That(await Listed(relay, id), Is.False, "a revoked device is not held");
        Assert.That(await Eventually.True(async () => !(await Admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>()), Is.True);
        Assert.That(await File.ReadAllTextAsync(relay.LogFile), Does.Contain("is revoked: sent away").Or.Contain("revoked"));
    }

    [Test]
    public async Task AfterARelayRestartsThePortalForgetsTheLinksItLost()
    {
        var node = await Fixtures.RelayNodeAsync(Portal, Admin, Fixtures.Unique("restart"));
        var (id, key) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(node, id, key, Fixtures.Unique("SN"));
        Assert.That((await Admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>(), Is.True);
        // A node's first report is a snapshot: an empty one means it holds nothing now.
        var snap = await node.PostJsonAsync("/internal/v1/presence", new { sessions = 0, snapshot = true, events = Array.Empty<object>() });
        Assert.That(snap.Status, Is.EqualTo(HttpStatusCode.OK), snap.Text);
        Assert.That((await Admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>(), Is.False);
    }

    private static async Task<bool> Listed(RelayProcess relay, string id) => (await relay.Api.GetStringAsync("/v1/sessions")).Contains(id, StringComparison.Ordinal);
}
