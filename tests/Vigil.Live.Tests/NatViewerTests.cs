using System.Net;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// A viewer behind a masquerading NAT: Chromium runs in a network namespace of its own (10.N.1.2),
/// whose router namespace masquerades it and lets out only TCP to the portal and the node's nginx and
/// UDP/TCP to coturn (<see cref="NatNetwork"/>). Its host candidates are private addresses the node
/// cannot reach and its direct UDP to Janus is dropped, so it can play only through TURN, with the
/// short-lived credentials the portal handed out; it does, and its video advances.
/// </summary>
[TestFixture]
public sealed class NatViewerTests
{
    private NatNetwork _nat = null!;
    private LiveStack _stack = null!;
    private TcpForwarder _portal = null!;
    private TcpForwarder _node = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _nat = NatNetwork.Create();
        // Viewers reach the node (nginx, coturn) at the host's address on the NAT's outside link.
        _stack = await LiveStack.StartAsync(publicHost: _nat.HostAddress.ToString());
        var portalPort = _stack.Portal.BaseAddress.Port;
        _portal = new TcpForwarder(_nat.HostAddress, portalPort);
        _node = new TcpForwarder(_nat.HostAddress, _stack.HttpPort);
        _nat.Allow([portalPort, _stack.HttpPort], _stack.TurnPort);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        _nat?.Dispose();
    }

    [Test]
    public async Task AViewerBehindAMasqueradingNatPlaysThroughTurn()
    {
        var config = _stack.Config();
        config["url"] = $"http://{_nat.HostAddress}:{_stack.Portal.BaseAddress.Port}";
        config["report_pair"] = true;
        var r = await Browser.RunAsync("webrtc-live", config, wrapper: _nat.Exec);
        var log = r.ToJsonString() + "\n" + _stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"), log);
        Assert.That(r["advanced_seconds"]!.GetValue<double>(), Is.GreaterThan(2.0), log);
        Assert.That(r["frames_in_3s"]!.GetValue<int>(), Is.GreaterThan(40), log);
        var local = r["local_candidate"]!;
        Assert.That(local["type"]!.GetValue<string>(), Is.EqualTo("relay"), "the selected pair's local candidate is coturn's relay: " + log);
        Assert.That(local["url"]!.GetValue<string>(), Does.StartWith($"turn:{_nat.HostAddress}:{_stack.TurnPort}"), "the TURN server the portal named");
        // The viewer did try the direct way, and the NAT dropped it: without TURN it could not have played.
        var dropped = _nat.DroppedUdpPackets();
        Assert.That(dropped, Is.GreaterThan(0), "the viewer's direct UDP toward Janus");
        // Everything the viewer sent came masqueraded, from the router's outside address, never from its own.
        Assert.That(_portal.Peers.Concat(_node.Peers).Distinct(), Is.EqualTo(new[] { _nat.RouterAddress }), "the portal and the node saw only the NAT's address");
        TestContext.Out.WriteLine($"NAT-ed viewer: played through {local["url"]}, its direct UDP dropped by the NAT ({dropped} packets), first frame after {r["first_frame_ms"]} ms");
    }
}
