using System.Text.Json;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// Discovery answers whose XAddrs point elsewhere than the device that sent them: another host on
/// the LAN (a web server answering 403 to everything), a link-local address. The scan asks only
/// the device that answered, sends credentials to no other host, and takes an HTTP error for an
/// error, not for an ONVIF address; --follow-xaddrs asks the other hosts, without credentials.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class XAddrScopeTests : NetnsFixture
{
    private const string Camera = "10.77.11.20";
    private const string Forbidden = "10.77.11.21";
    private const string Stranger = "10.77.11.66";

    private SimProcess _sim = null!;
    private Netns _scanner = null!;

    [OneTimeSetUp]
    public async Task ALanWithAStranger()
    {
        _scanner = Keep(Netns.Create("xaddr-s"));
        var h = Keep(Netns.Create("xaddr-h"));
        Netns.Veth(_scanner, "xs0", h, "eth0");
        _scanner.Run("addr", "add", "10.77.11.1/24", "dev", "xs0");
        foreach (var a in new[] { Camera, Forbidden, Stranger })
        {
            h.Run("addr", "add", $"{a}/24", "dev", "eth0");
        }
        _sim = Keep(await NetnsProcesses.StartSimAsync(h,
        [
            // Answers the probe but nothing listens at its own XAddr; its XAddrs name the stranger and a link-local address too.
            new SimDevice
            {
                Address = Camera,
                Endpoint = "urn:uuid:00000000-0000-0000-0000-000000001120",
                XAddrs = $"http://{{HOST}}:8099/onvif/device_service http://{Stranger}/onvif/device_service http://[fe80::1234]/onvif/device_service",
            },
            // Its own ONVIF address answers HTTP 403 with a web page.
            new SimDevice
            {
                Address = Forbidden,
                Endpoint = "urn:uuid:00000000-0000-0000-0000-000000001121",
                Onvif = new SimOnvif { Http = "forbidden" },
            },
            new SimDevice { Address = Stranger, Wsd = "none", Onvif = new SimOnvif { Http = "forbidden" } },
        ]));
    }

    private async Task<ScanOutput> ScanAsync(params string[] extra)
    {
        var scan = await NetnsProcesses.ScanAsync(_scanner, ["--json", "-v", "--user", "admin", "--password", "secret", "--timeout", "4", "--protocols", "ws-discovery", .. extra]);
        Assert.That(scan.ExitCode, Is.EqualTo(0), scan.Stderr);
        return scan;
    }

    private int StrangerRequests() => _sim.Errors.Split('\n').Count(l => l.StartsWith($"forbidden {Stranger} ", StringComparison.Ordinal));

    [Test]
    [Order(1)]
    public async Task AnotherHostNamedInTheAnswerIsListedNotContacted()
    {
        var before = StrangerRequests();
        var scan = await ScanAsync();
        var onvif = scan.The(Camera).GetProperty("onvif");
        Assert.That(ScanOutput.Strings(onvif.GetProperty("xaddrs")), Does.Contain($"http://{Stranger}/onvif/device_service"), "listed");
        Assert.That(StrangerRequests(), Is.EqualTo(before), $"the stranger was asked:\n{_sim.Errors}");
        Assert.That(onvif.GetProperty("address").GetString(), Is.Not.EqualTo($"http://{Stranger}/onvif/device_service"));
        Assert.That(onvif.GetProperty("address").GetString(), Does.Not.Contain("fe80"));
        Assert.That(onvif.GetProperty("error").GetString(), Is.Not.Null);
        Assert.That(scan.Stderr, Does.Contain($"names another host in its XAddrs, {Stranger}: listed, not contacted"));
    }

    [Test]
    [Order(2)]
    public async Task AnHttpErrorIsAnErrorNotAnOnvifAddress()
    {
        var scan = await ScanAsync();
        var onvif = scan.The(Forbidden).GetProperty("onvif");
        Assert.That(onvif.GetProperty("error").GetString(), Does.Contain("HTTP 403"));
        Assert.That(scan.The(Forbidden).GetProperty("protocols").EnumerateArray().Select(p => p.GetString()), Does.Not.Contain("onvif"), scan.Stdout);
    }

    [Test]
    [Order(3)]
    public async Task FollowingXAddrsAsksTheOtherHostWithoutCredentials()
    {
        var before = StrangerRequests();
        var scan = await ScanAsync("--follow-xaddrs");
        var asked = _sim.Errors.Split('\n').Where(l => l.StartsWith($"forbidden {Stranger} ", StringComparison.Ordinal)).Skip(before).ToList();
        Assert.That(asked, Is.Not.Empty, "--follow-xaddrs asks the other host");
        Assert.That(asked, Has.All.EndsWith("credentials=no"), "no credentials go to another host");
        var onvif = scan.The(Camera).GetProperty("onvif");
        Assert.That(onvif.GetProperty("address").ValueKind == JsonValueKind.Null || onvif.GetProperty("address").GetString() != $"http://{Stranger}/onvif/device_service", Is.True, "its 403 does not make it the camera's ONVIF address");
        Assert.That(onvif.GetProperty("error").GetString(), Does.Contain("HTTP 403"));
    }
}
