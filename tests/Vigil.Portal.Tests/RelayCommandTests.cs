using System.Net;
using Vigil.Stack;

namespace Vigil.Portal.Tests;

/// <summary>
/// A command entered at the portal reaches a real agent (the NativeAOT binary) through the real
/// relay process that holds it, and the agent's answer comes back.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class RelayCommandTests(string database)
{
    [Test]
    public async Task ACommandGoesThroughTheRelayThatHoldsTheAgent()
    {
        await using var portal = await PortalServer.StartAsync(database);
        using var admin = await portal.AdminAsync();
        await using var relay = await RelayProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll"), []);
        await using var agent = await AgentProcess.StartAsync(AgentBinary.Aot(), relay, []);
        var deviceId = agent.DeviceId;
        Assert.That(deviceId, Is.Not.Empty);

        var apiToken = relay.Api.DefaultRequestHeaders.Authorization!.Parameter!;
        var node = await Fixtures.RelayNodeAsync(portal, admin, "relay-real", relay.Api.BaseAddress!.ToString(), apiToken);
        var publicKey = File.ReadAllLines(Path.Combine(agent.StateDir, "agent.key")).First(l => l.StartsWith("public ", StringComparison.Ordinal))[7..];
        // What the relay reports when the agent says hello.
        await Fixtures.HelloAsync(node, deviceId, publicKey, "SN-REAL-1");

        var echo = await admin.PostJsonAsync($"/api/v1/devices/{deviceId}/commands", new { name = "echo", args = new { said = "hello camera" }, timeout_ms = 5000 });
        Assert.That(echo.Status, Is.EqualTo(HttpStatusCode.OK), echo.Text);
        Assert.That(echo.Json!["ok"]!.GetValue<bool>(), Is.True);
        Assert.That(echo.Json!["result"]!["said"]!.GetValue<string>(), Is.EqualTo("hello camera"));

        var unknown = await admin.PostJsonAsync($"/api/v1/devices/{deviceId}/commands", new { name = "format-disk" });
        Assert.That(unknown.Json!["ok"]!.GetValue<bool>(), Is.False, unknown.Text);

        await node.PostJsonAsync("/internal/v1/presence", new { sessions = 0, events = new[] { new { device_id = deviceId, connected = false } } });
        var offline = await admin.PostJsonAsync($"/api/v1/devices/{deviceId}/commands", new { name = "ping" });
        Assert.That(offline.Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(offline.Error, Does.Contain("not connected"));
        Assert.That(portal.Log.Text, Does.Not.Contain(apiToken), "the node's API token is never logged");
    }
}
