using System.Diagnostics;
using System.Net;
using Vigil.Stack;
using static Vigil.Portal.Tests.Faults.ClusterRig;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// An agent's network is cut for two minutes: the AOT agent runs in a network namespace of the
/// test's own, joined to the host by a veth pair, and the host's end is set down, then up again.
/// The relay drops the silent session at its heartbeat deadline meanwhile, and the agent comes back
/// by itself once the network does.
/// </summary>
[NonParallelizable]
public sealed class NetworkCutTests
{
    private static readonly TimeSpan Cut = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The bound on the way back: a connection attempt in flight when the link returns can time out
    /// (connect_timeout, 10 s), and the agent then sleeps at most backoff_max (60 s, full jitter)
    /// before the attempt that gets through; a few seconds more for the handshake and the listing.
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10 + 60 + 5);

    [Test]
    public async Task AnAgentComesBackByItselfAfterTwoMinutesWithoutNetwork()
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail($"needs root (running as {Environment.UserName}): the test makes a network namespace and a veth pair; CI runs it as root");
        }
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (ns, hostEnd, agentEnd) = ($"vgl-{tag}", $"vh{tag}", $"va{tag}");
        var net = $"10.{200 + Random.Shared.Next(50)}.{Random.Shared.Next(256)}";
        var agent = (AgentProcess?)null;
        var relay = (RelayProcess?)null;
        try
        {
            Ip("netns", "add", ns);
            Ip("link", "add", hostEnd, "type", "veth", "peer", "name", agentEnd);
            Ip("link", "set", agentEnd, "netns", ns);
            Ip("addr", "add", $"{net}.1/30", "dev", hostEnd);
            Ip("link", "set", hostEnd, "up");
            Ip("netns", "exec", ns, "ip", "addr", "add", $"{net}.2/30", "dev", agentEnd);
            Ip("netns", "exec", ns, "ip", "link", "set", agentEnd, "up");
            Ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");

            relay = await RelayProcess.StartAsync(RelayDll, [], agentAddress: IPAddress.Parse($"{net}.1"));
            var dir = Directory.CreateTempSubdirectory("vigil-agent-").FullName;
            var config = new AgentConfigFile
            {
                StateDir = Path.Combine(dir, "state"), Serial = "CUT0001", HeartbeatInterval = TimeSpan.FromSeconds(5), HeartbeatTimeout = TimeSpan.FromSeconds(15),
            }.AddRelay(relay).Write(Path.Combine(dir, AgentConfigFile.FileName));
            var psi = new ProcessStartInfo("ip");
            foreach (var a in (string[])["netns", "exec", ns, .. AgentProcess.CommandLine(Agent, "run", config)])
            {
                psi.ArgumentList.Add(a);
            }
            agent = AgentProcess.Launch(psi, Path.Combine(dir, "state"), config);
            Assert.That(await Eventually.True(async () => agent.ReadDeviceId() is { } id && (await SessionsAsync(relay)).Contains(id), 30), Is.True,
                "the agent reaches the relay across the veth pair\n" + agent.Log);
            var deviceId = agent.ReadDeviceId()!;

            var clock = Stopwatch.StartNew();
            Ip("link", "set", hostEnd, "down");
            TimeSpan? dropped = null;
            while (clock.Elapsed < Cut)
            {
                if (dropped is null && !(await SessionsAsync(relay)).Contains(deviceId))
                {
                    dropped = clock.Elapsed;
                }
                await Task.Delay(500);
            }
            Ip("link", "set", hostEnd, "up");
            var restored = Stopwatch.StartNew();
            var back = await Eventually.True(async () => (await SessionsAsync(relay)).Contains(deviceId), Bound.TotalSeconds + 10);
            var took = restored.Elapsed;
            TestContext.Out.WriteLine($"relay dropped the silent session {dropped?.TotalSeconds:F0} s into the cut; the agent was back {took.TotalSeconds:F1} s after the network");
            Assert.That(dropped, Is.Not.Null, "the relay drops a session silent past its heartbeat deadline");
            Assert.That(back, Is.True, "the agent came back by itself\n" + agent.Log);
            Assert.That(took, Is.LessThanOrEqualTo(Bound), "back within connect_timeout + backoff_max");
            Assert.That(agent.HasExited, Is.False);
        }
        finally
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }
            if (relay is not null)
            {
                await relay.DisposeAsync();
            }
            AgentProcess.RunToEnd("ip", ["netns", "del", ns]);
            AgentProcess.RunToEnd("ip", ["link", "del", hostEnd]);
        }
    }

    private static void Ip(params string[] args)
    {
        var (code, output) = AgentProcess.RunToEnd("ip", args);
        Assert.That(code, Is.Zero, $"ip {string.Join(' ', args)}: {output}");
    }
}
