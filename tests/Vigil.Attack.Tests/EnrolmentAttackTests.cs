using System.Text.Json.Nodes;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Protocol.Control;

namespace Vigil.Attack.Tests;

/// <summary>
/// Anyone holding a relay's public key can make a fresh key and say hello: without a policy each one
/// becomes a pending device. Against the real portal with its embedded relay, configured with small
/// caps and an enrolment token: new devices past the per-address cap, past the per-relay cap, or with
/// a wrong token are refused (sent away) and never stored.
/// </summary>
[TestFixture]
public sealed class EnrolmentAttackTests
{
    private const string GoodToken = "installer-batch-2026-12";
    private EmbeddedRelayPortal _stack = null!;
    private PortalProcess _portal = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _stack = await LinkAttackRig.StartPortalAsync(new Dictionary<string, string>
        {
            ["VIGIL_PORTAL_EnrolmentMaxPendingPerAddress"] = "3",
            ["VIGIL_PORTAL_EnrolmentMaxPendingPerRelay"] = "5",
            ["VIGIL_PORTAL_EnrolmentTokens__0"] = GoodToken,
        });
        _portal = _stack.Portal;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _stack.DisposeAsync();

    [Test]
    public async Task NewDevicesPastTheCapsOrWithAWrongTokenAreRefused()
    {
        // One address, no token: three may wait, the fourth is sent away.
        var plain = await HellosAsync(4, token: null);
        Assert.That(plain.Take(3).All(r => r is null), Is.True, "the first three new devices from one address are let in");
        Assert.That(plain[3], Is.EqualTo("refused"), () => "the fourth from the same address is refused\n" + _portal.Log);

        // A good enrolment token lifts the per-address cap, not the per-relay one (five here).
        var tokened = await HellosAsync(3, GoodToken);
        Assert.That(tokened.Take(2).All(r => r is null), Is.True, "devices with the installer's token are let in up to the relay's cap");
        Assert.That(tokened[2], Is.EqualTo("refused"), "past the relay's cap even a good token is refused");

        // A wrong token is refused whatever the caps.
        Assert.That((await HellosAsync(1, "guessed"))[0], Is.EqualTo("refused"));

        var pending = JsonNode.Parse(await _portal.Api.GetStringAsync("/api/v1/devices?state=pending"))!.AsArray();
        Assert.That(pending, Has.Count.EqualTo(5), "only the devices the policy let in are stored");
        var metrics = await _portal.Api.GetStringAsync("/api/v1/metrics");
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_enrolments_total{result=\"pending_cap_address\"}"), Is.EqualTo(1));
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_enrolments_total{result=\"pending_cap_relay\"}"), Is.EqualTo(1));
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_enrolments_total{result=\"bad_enrolment_token\"}"), Is.EqualTo(1));
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_enrolments_total{result=\"pending\"}"), Is.EqualTo(3));
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_enrolments_total{result=\"pending_with_token\"}"), Is.EqualTo(2));
        Assert.That(_portal.Log, Does.Not.Contain(GoodToken), "no enrolment token in the log");
    }

    /// <summary>
    /// New agents one after the other, each with a fresh key: null for one the relay keeps (hello_ok and
    /// no go-away within a few seconds), else the reason of the go-away it was sent.
    /// </summary>
    private async Task<List<string?>> HellosAsync(int count, string? token)
    {
        var results = new List<string?>();
        for (var i = 0; i < count; i++)
        {
            using var agent = await HostileAgent.ConnectAsync(_stack.Relay, _stack.RelayKey, $"ENROL-{Guid.NewGuid():N}"[..20], token);
            var ok = await agent.ReadControlAsync(TimeSpan.FromSeconds(10));
            Assert.That(ok?.Type, Is.EqualTo(ControlMessage.HelloOk));
            var next = await agent.ReadControlAsync(TimeSpan.FromSeconds(4));
            results.Add(next?.Type == ControlMessage.GoAway ? next.Reason : next is null ? null : $"unexpected {next.Type}");
        }
        return results;
    }
}
