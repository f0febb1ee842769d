using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;
using Vigil.Protocol.Releases;

namespace Vigil.Web.Tests;

/// <summary>
/// The agent updates page in a real Chromium: a release signed by another key is refused with the
/// reason, a signed one is listed, a rollout to one device starts and shows the device by wave and
/// state, and the operator pauses and cancels it. The device is one a registered node reported
/// (its API address empty, so the rollout waits and nothing is pushed); pushes to real agents are
/// the firmware tests' RolloutTests.
/// </summary>
[TestFixture]
public sealed class RolloutPageTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private PortalServer _portal = null!;
    private string _device = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var root = Repository.Root;
        var web = Path.Combine(root, "portal-web", "dist");
        if (!File.Exists(Path.Combine(web, "index.html")))
        {
            Assert.Fail($"the web portal is not built ({web}): ./build.sh build or ./build.sh test build it (npm ci, vite build)");
        }
        _dir = Directory.CreateTempSubdirectory("vigil-web-rollout-").FullName;
        _portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o =>
        {
            o.WebRoot = web;
            o.DataDir = Path.Combine(_dir, "data");
            o.ReleaseKeys = Convert.ToBase64String(ReleaseFormat.PublicKey(Key));
            o.RolloutTickSeconds = 0.5;
        });
        using var admin = await _portal.AdminAsync();
        using var node = await Fixtures.RelayNodeAsync(_portal, admin, "web-rollout-node");
        var (id, key) = Fixtures.NewDeviceKey();
        var hello = await node.PostJsonAsync("/internal/v1/hello", new { device_id = id, public_key = key, serial = "WEB-ROLL-1", agent_version = "0.1.0", rid = "linux-x64" });
        Assert.That(hello.Status, Is.EqualTo(HttpStatusCode.OK), hello.Text);
        Assert.That((await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        _device = id;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private string ReleaseFile(string name, byte[] signingKey)
    {
        var binary = RandomNumberGenerator.GetBytes(100_000);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, [.. ReleaseFormat.Sign(signingKey, "0.2.0", "linux-x64", binary), .. binary]);
        return path;
    }

    [Test]
    public async Task AnOperatorUploadsAReleaseStartsARolloutWatchesItAndStopsIt()
    {
        var root = Repository.Root;
        var config = new JsonObject
        {
            ["url"] = _portal.BaseAddress.ToString().TrimEnd('/'),
            ["admin"] = new JsonObject { ["login"] = _portal.Admin.Login, ["password"] = _portal.Admin.Password },
            ["screenshots"] = Path.Combine(root, "artifacts", "screenshots"),
            ["device_id"] = _device,
            ["release_version"] = "0.2.0",
            ["release_file"] = ReleaseFile("good.release", Key),
            ["forged_release"] = ReleaseFile("forged.release", RandomNumberGenerator.GetBytes(32)),
        };
        var r = await Browser.RunAsync("rollouts", config);
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["page_errors"], Is.Null, r.ToJsonString());
        Assert.That(r["forged"]!.GetValue<string>(), Does.Contain("bad_signature"));
        Assert.That(r["release_row"]!.GetValue<string>(), Does.Contain("0.2.0").And.Contain("linux-x64"));
        Assert.That(r["started_state"]!.GetValue<string>(), Is.EqualTo("running"));
        Assert.That(r["device_row"]!.GetValue<string>(), Does.Contain("WEB-ROLL-1").And.Contain("waiting"));
        Assert.That(r["unlabelled"]!.AsArray(), Is.Empty, "every control of the page has a label");
        Assert.That(r["paused"]!.GetValue<bool>(), Is.True);
        Assert.That(r["cancelled_row"]!.GetValue<string>(), Does.Contain("skipped").And.Contain("cancelled"));
        Assert.That(r["device_version"]!.GetValue<string>(), Is.EqualTo("0.1.0 (linux-x64)"));
    }
}
