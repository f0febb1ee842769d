using System.Net;
using Vigil.Stack;

namespace Vigil.Portal.Tests;

/// <summary>
/// Two portal instances on one PostgreSQL database, two relay processes, real AOT agents: presence
/// lives in the database, so a command or a revocation entered at either instance reaches the agent
/// through the node that holds it.
/// </summary>
public sealed class ClusterTests
{
    [Test]
    public async Task EitherPortalInstanceReachesAnAgentOnEitherRelay()
    {
        await using var first = await PortalServer.StartAsync(TestDatabases.Postgres);
        await using var second = await PortalServer.StartAsync(TestDatabases.Postgres, sharing: first);
        using var admin1 = await first.AdminAsync();
        using var admin2 = await second.AdminAsync();

        var agents = new List<AgentProcess>();
        var relays = new List<RelayProcess>();
        try
        {
            // Relay A reports to the first instance, relay B to the second.
            foreach (var (portal, admin, name) in new[] { (first, admin1, "node-a"), (second, admin2, "node-b") })
            {
                var relay = await Faults.ClusterRig.StartRelayAsync(admin, portal.BaseAddress, name);
                relays.Add(relay);
                agents.Add(await AgentProcess.StartAsync(AgentBinary.Aot(), relay, []));
            }
            foreach (var agent in agents)
            {
                Assert.That(await Eventually.True(async () => (await admin1.GetAsync($"/api/v1/devices/{agent.DeviceId}")).Json?["connected"]?.GetValue<bool>() == true),
                    Is.True, agent.DeviceId);
            }
            // Every instance reaches every agent, whichever node holds it.
            foreach (var admin in new[] { admin1, admin2 })
            {
                foreach (var agent in agents)
                {
                    var echo = await admin.PostJsonAsync($"/api/v1/devices/{agent.DeviceId}/commands", new { name = "echo", args = new { via = "cluster" } });
                    Assert.That(echo.Json?["ok"]?.GetValue<bool>(), Is.True, echo.Text);
                }
            }
            // A revocation entered at the second instance cuts off the agent on the first's relay.
            var victim = agents[0];
            await admin2.PostJsonAsync($"/api/v1/devices/{victim.DeviceId}/revoke", new { });
            Assert.That(await Eventually.True(async () => !(await relays[0].Api.GetStringAsync("/v1/sessions")).Contains(victim.DeviceId, StringComparison.Ordinal), 5),
                Is.True);
        }
        finally
        {
            foreach (var a in agents)
            {
                await a.DisposeAsync();
            }
            foreach (var r in relays)
            {
                await r.DisposeAsync();
            }
        }
    }
}
