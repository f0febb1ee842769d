using System.Net;
using Vigil.Stack;

namespace Vigil.Portal.Tests;

/// <summary>The single-server default: one portal process with its embedded relay node, and the real AOT agent dialing it.</summary>
public sealed class EmbeddedRelayTests
{
    [Test]
    public async Task AnAgentDialsThePortalsOwnRelayAndIsManagedThroughIt()
    {
        var agentPort = RelayProcess.FreePort();
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o =>
        {
            o.EmbeddedRelay = $"127.0.0.1:{agentPort}";
            o.EmbeddedRelayApi = $"127.0.0.1:{RelayProcess.FreePort()}";
            o.DataDir = Directory.CreateTempSubdirectory("vigil-portal-data-").FullName;
        });
        using var admin = await portal.AdminAsync();
        string? relayKey = null;
        Assert.That(await Eventually.True(async () =>
        {
            var node = (await admin.GetAsync("/api/v1/relays")).Json!.AsArray().FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded");
            relayKey = node?["public_key"]?.GetValue<string>();
            return relayKey is { Length: > 0 };
        }), Is.True, "the embedded node registers itself");

        var dir = Directory.CreateTempSubdirectory("vigil-agent-").FullName;
        await using var agent = AgentProcess.Start(AgentBinary.Aot(), dir, new AgentConfigFile
        {
            Relays = { new AgentRelayLine($"127.0.0.1:{agentPort}") }, RelayKey = relayKey, StateDir = Path.Combine(dir, "state"), Serial = "EMB-1",
        });
        string? id = null;
        Assert.That(await Eventually.True(async () =>
        {
            id = agent.ReadDeviceId();
            return id is not null && (await admin.GetAsync($"/api/v1/devices/{id}")).Status == HttpStatusCode.OK;
        }), Is.True, () => "the agent's hello reached the portal through its own relay\n" + agent.Log);
        Assert.That((await admin.GetAsync($"/api/v1/devices/{id}")).Json!["relay_node"]!.GetValue<string>(), Is.EqualTo("embedded"));
        await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { });
        Assert.That(await Eventually.True(async () => (await admin.GetAsync($"/api/v1/devices/{id}")).Json!["connected"]!.GetValue<bool>()), Is.True);
        var status = await admin.PostJsonAsync($"/api/v1/devices/{id}/commands", new { name = "status" });
        Assert.That(status.Json!["ok"]!.GetValue<bool>(), Is.True, status.Text);
    }
}
