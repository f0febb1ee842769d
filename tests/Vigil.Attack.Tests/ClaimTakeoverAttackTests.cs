using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Attack.Tests;

/// <summary>
/// A rogue agent takes over a sticker claim: with a key of its own it dials the portal's embedded
/// relay and reports the victim's serial in its hello. The serial is only a claim: the owner's
/// serial and PIN must bind the device whose key the sticker is tied to, never the rogue, and every
/// refusal says why at once.
/// </summary>
[TestFixture]
public sealed class ClaimTakeoverAttackTests
{
    private const string Pin = "482915";
    private AccountPortal _portal = null!;
    private byte[] _relayKey = null!;
    private HttpClient _owner = null!;
    private readonly List<SimAgent> _agents = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AccountPortal.StartAsync(embeddedRelay: true);
        _relayKey = await _portal.RelayKeyAsync();
        await _portal.CreateUserAsync("owner", "owner-password-1");
        _owner = await _portal.ClientAsync("owner", "owner-password-1");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        foreach (var agent in _agents)
        {
            agent.Close("test over");
        }
        _owner?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    [Test]
    public async Task ARogueKeyReportingTheSerialAfterTheCameraIsNotBoundByTheOwnersClaim()
    {
        var serial = "CAM-" + Guid.NewGuid().ToString("N")[..8];
        await Expect(_portal.Admin.PostAsJsonAsync("/api/v1/stickers", new { serial, pin = Pin }), HttpStatusCode.NoContent);
        var (victimId, victimPrint) = await AgentAsync(serial);
        // The rogue says hello after the camera: it is the device the portal heard from last.
        var (rogueId, roguePrint) = await AgentAsync(serial);

        var refused = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin });
        var reason = await refused.Content.ReadAsStringAsync();
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "two keys report the serial: the portal must not pick one itself\n" + reason);
        Assert.That(reason, Does.Contain(victimPrint).And.Contain(roguePrint), "the refusal names both keys, for the owner to pick");
        await AssertUntouchedAsync(rogueId);
        Assert.That((await _portal.DeviceAsync(rogueId))["serial_warning"]?.GetValue<string>(), Does.Contain("first"),
            "the later key reporting the serial is flagged for the operator");

        var wrongPick = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin, fingerprint = "0000:0000:0000:0000:0000:0000:0000:0000" });
        Assert.That(wrongPick.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await wrongPick.Content.ReadAsStringAsync());

        var claimed = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin, fingerprint = victimPrint.ToUpperInvariant() });
        Assert.That(claimed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await claimed.Content.ReadAsStringAsync());
        var camera = JsonNode.Parse(await claimed.Content.ReadAsStringAsync())!["name"]!.GetValue<string>();
        var victim = await _portal.DeviceAsync(victimId);
        Assert.That(victim["state"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That(victim["camera"]!.GetValue<string>(), Is.EqualTo(camera));
        await AssertUntouchedAsync(rogueId);

        // The sticker is now tied to the camera's key: a fresh rogue, heard from last, changes nothing.
        var (lateId, _) = await AgentAsync(serial);
        var reclaim = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin });
        Assert.That(reclaim.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reclaim.Content.ReadAsStringAsync());
        Assert.That((await _portal.DeviceAsync(victimId))["camera"]!.GetValue<string>(), Is.EqualTo(camera));
        await AssertUntouchedAsync(lateId);
        await AssertUntouchedAsync(rogueId);
        Assert.That((await _portal.DeviceAsync(lateId))["serial_warning"]?.GetValue<string>(), Does.Contain("tied to another key"));
    }

    [Test]
    public async Task AStickerTiedToItsKeyAtTheFactoryRefusesARogueThatCameFirst()
    {
        var serial = "CAM-" + Guid.NewGuid().ToString("N")[..8];
        using var cameraKey = KeyPair.Generate();
        var cameraPrint = DeviceIdentity.Fingerprint(cameraKey.PublicKey);
        await Expect(_portal.Admin.PostAsJsonAsync("/api/v1/stickers", new { serial, pin = Pin, fingerprint = cameraPrint }), HttpStatusCode.NoContent);
        // The camera is still in its box; the rogue reports its serial, alone.
        var (rogueId, _) = await AgentAsync(serial);

        var refused = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin });
        var reason = await refused.Content.ReadAsStringAsync();
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), reason);
        Assert.That(reason, Does.Contain("not come online yet").And.Contain("another key"), "the refusal says why");
        await AssertUntouchedAsync(rogueId);

        var (cameraId, _) = await AgentAsync(serial, key: cameraKey);
        var claimed = await _owner.PostAsJsonAsync("/api/v1/devices/claim", new { serial, pin = Pin });
        Assert.That(claimed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await claimed.Content.ReadAsStringAsync());
        Assert.That((await _portal.DeviceAsync(cameraId))["state"]!.GetValue<string>(), Is.EqualTo("approved"));
        await AssertUntouchedAsync(rogueId);
    }

    /// <summary>A protocol-level agent with a key of its own (or the one given) that says hello with the serial; its device id and fingerprint.</summary>
    private async Task<(string Id, string Fingerprint)> AgentAsync(string serial, KeyPair? key = null)
    {
        var own = key is null ? KeyPair.Generate() : null;
        var pair = key ?? own!;
        var agent = await SimAgent.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _portal.AgentPort), _relayKey, pair, ManagedChaChaPolyFactory.Instance, serial);
        _agents.Add(agent);
        await agent.HelloOk.WaitAsync(TimeSpan.FromSeconds(30));
        var id = DeviceIdentity.DeviceId(pair.PublicKey);
        var print = DeviceIdentity.Fingerprint(pair.PublicKey);
        await _portal.DeviceAsync(id);
        own?.Dispose();
        return (id, print);
    }

    private async Task AssertUntouchedAsync(string id)
    {
        var device = await _portal.DeviceAsync(id);
        Assert.That(device["state"]!.GetValue<string>(), Is.EqualTo("pending"), $"the rogue {id} is never approved by the owner's claim");
        Assert.That(device["camera"]?.GetValue<string>(), Is.Null, $"the rogue {id} is never bound to the owner's camera");
    }

    private static async Task Expect(Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        Assert.That(response.StatusCode, Is.EqualTo(status), await response.Content.ReadAsStringAsync());
    }
}
