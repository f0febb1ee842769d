using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Attack.Tests;

/// <summary>
/// Hostile agents that flood a real relay with every kind of frame and never read what it answers.
/// Each must cost the relay bounded memory, close only its own connection, and leave an honest agent
/// on the same relay working.
/// </summary>
[TestFixture]
public sealed class LinkFloodAttackTests
{
    /// <summary>More than the relay's queues and pipes can hold by design; far less than one unbounded flood takes.</summary>
    private const long MaxGrowthMib = 96;

    private RelayProcess _relay = null!;
    private SimAgent _honest = null!;
    private string _honestId = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Heartbeats far away, so only the flood defences can close a session during a test.
        _relay = await LinkAttackRig.StartRelayAsync("--heartbeat-interval", "300", "--heartbeat-timeout", "900",
            "--MaxPendingHandshakesPerAddress", "32");
        using var key = KeyPair.Generate();
        _honestId = Vigil.Protocol.Link.DeviceIdentity.DeviceId(key.PublicKey);
        _honest = await SimAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey, key, NativeChaChaPolyFactory.Instance, "HONEST-1");
        await _honest.HelloOk;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _honest.Close("done");
        await _relay.DisposeAsync();
    }

    [Test]
    public async Task PingFloodWithoutReadingIsClosedAndCostsBoundedMemory()
    {
        var before = _relay.ResidentBytes();
        using var hostile = await HostileAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey);
        var closed = await hostile.FloodAsync(HostileFlood.Ping, TimeSpan.FromSeconds(15));
        var peak = _relay.ResidentBytes();

        Assert.That(closed, Is.True, $"the relay closed the flooding connection ({hostile.FramesSent} PINGs sent)");
        Assert.That(LinkAttackRig.Mib(peak - before), Is.LessThan(MaxGrowthMib), "relay memory grown by the flood, MiB");
        Assert.That(await LinkAttackRig.RelayMetric(_relay, "vigil_relay_sessions_closed_total{reason=\"send_queue_full\"}"), Is.GreaterThanOrEqualTo(1));
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), async () =>
            (await File.ReadAllTextAsync(_relay.LogFile)).Contains("closed for abuse of the link: send_queue_full", StringComparison.Ordinal)), Is.Not.Null,
            "the relay logged why it closed the connection");
        await AssertHonestAgentAnswersAsync();
    }

    [Test]
    public async Task OpenFloodBeyondTheStreamCapIsClosedAndCostsBoundedMemory()
    {
        // Every OPEN from an agent is refused with a RESET the relay owes: the same debt as a PONG.
        var before = _relay.ResidentBytes();
        using var hostile = await HostileAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey);
        var closed = await hostile.FloodAsync(HostileFlood.Open, TimeSpan.FromSeconds(15));

        Assert.That(closed, Is.True, $"the relay closed the flooding connection ({hostile.FramesSent} OPENs sent)");
        Assert.That(LinkAttackRig.Mib(_relay.ResidentBytes() - before), Is.LessThan(MaxGrowthMib));
        await AssertHonestAgentAnswersAsync();
    }

    [TestCase(HostileFlood.Window)]
    [TestCase(HostileFlood.Data)]
    [TestCase(HostileFlood.Control)]
    [TestCase(HostileFlood.Reset)]
    public async Task FloodsThatOweNoAnswerCostBoundedMemory(HostileFlood kind)
    {
        var before = _relay.ResidentBytes();
        using var hostile = await HostileAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey);
        await hostile.FloodAsync(kind, TimeSpan.FromSeconds(6));

        Assert.That(hostile.FramesSent, Is.GreaterThan(1000), "the flood went out");
        Assert.That(LinkAttackRig.Mib(_relay.ResidentBytes() - before), Is.LessThan(MaxGrowthMib), $"relay memory grown by a {kind} flood, MiB");
        await AssertHonestAgentAnswersAsync();
    }

    [Test]
    public async Task MalformedFramesCloseOnlyTheirConnection()
    {
        using var hostile = await HostileAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey);
        // A frame of the largest length whose tag cannot be right: refused, that connection only.
        var garbage = new byte[2 + 65535];
        garbage[0] = 0xff;
        garbage[1] = 0xff;
        await hostile.SendAsync(garbage);
        Assert.That(await hostile.ClosedByPeerAsync(TimeSpan.FromSeconds(10)), Is.True, () => File.ReadAllText(_relay.LogFile));
        Assert.That(await LinkAttackRig.RelayMetric(_relay, "vigil_relay_sessions_closed_total{reason=\"bad_tag\"}"), Is.GreaterThanOrEqualTo(1));
        await AssertHonestAgentAnswersAsync();
    }

    [Test]
    public async Task HandshakeFloodFromOneAddressStopsAtItsCap()
    {
        // Connections that send the preamble and then nothing: each could hold the relay for its whole
        // handshake deadline. Past the per-address cap (32 here) they are refused at once.
        var flood = new List<System.Net.Sockets.TcpClient>();
        try
        {
            var preamble = new byte[Vigil.Protocol.Link.LinkPreamble.Length];
            Vigil.Protocol.Link.LinkPreamble.Write(preamble);
            for (var i = 0; i < 100; i++)
            {
                var c = new System.Net.Sockets.TcpClient();
                flood.Add(c);
                try
                {
                    await c.ConnectAsync(_relay.AgentEndPoint);
                    await c.GetStream().WriteAsync(preamble);
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    // Refused before the preamble was even written: counted below as closed.
                }
            }
            var refused = 0;
            foreach (var c in flood)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    if (!c.Connected || await c.GetStream().ReadAsync(new byte[16], quick.Token) == 0)
                    {
                        refused++;
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or System.Net.Sockets.SocketException)
                {
                    refused += e is OperationCanceledException ? 0 : 1;
                }
            }
            Assert.That(refused, Is.GreaterThanOrEqualTo(60), "connections past the per-address cap closed at once");
            Assert.That(await LinkAttackRig.RelayMetric(_relay, "vigil_relay_handshake_failures_total{reason=\"too_many_handshakes_from_address\"}"),
                Is.GreaterThanOrEqualTo(60));
        }
        finally
        {
            flood.ForEach(c => c.Dispose());
        }
        // Once the flood is gone, agents get in again.
        using var key = KeyPair.Generate();
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(15), async () =>
        {
            try
            {
                var agent = await SimAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey, key, NativeChaChaPolyFactory.Instance, "AFTER-FLOOD");
                await agent.HelloOk.WaitAsync(TimeSpan.FromSeconds(5));
                agent.Close("done");
                return true;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or Vigil.Protocol.Link.LinkClosedException)
            {
                return false;
            }
        }), Is.Not.Null);
    }

    private async Task AssertHonestAgentAnswersAsync()
    {
        Assert.That(_honest.IsClosed, Is.False, "the honest agent's session survived the flood");
        using var response = await _relay.Api.PostAsJsonAsync($"/v1/sessions/{_honestId}/commands", new { name = "echo", args = new { n = 1 } });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(body["ok"]!.GetValue<bool>(), Is.True, $"the honest agent answered a command: {body}");
    }
}
