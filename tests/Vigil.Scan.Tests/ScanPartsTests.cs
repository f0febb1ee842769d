using System.Net;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan.Tests;

/// <summary>The scanner's pieces without sockets: ranges, interface choice, merging, the rate gate.</summary>
[TestFixture]
public sealed class ScanPartsTests
{
    [Test]
    public void ASlash24HasItsTwoHundredFiftyFourHosts()
    {
        Assert.That(CidrRange.TryParse("10.88.0.77/24", out var r, out var error), Is.True, error);
        var hosts = r.Hosts().ToList();
        Assert.That(r.ToString(), Is.EqualTo("10.88.0.0/24"));
        Assert.That((hosts.Count, r.Count), Is.EqualTo((254, 254)));
        Assert.That((hosts[0].ToString(), hosts[^1].ToString()), Is.EqualTo(("10.88.0.1", "10.88.0.254")));
        Assert.That(r.Contains(IPAddress.Parse("10.88.0.200")) && !r.Contains(IPAddress.Parse("10.88.1.1")), Is.True);
    }

    [TestCase("10.0.0.4/31", 2)]
    [TestCase("10.0.0.4/32", 1)]
    [TestCase("10.0.0.4", 1)]
    [TestCase("10.1.0.0/16", 65534)]
    public void SmallAndLargestRanges(string text, int count)
    {
        Assert.That(CidrRange.TryParse(text, out var r, out _), Is.True);
        Assert.That(r.Hosts().Count(), Is.EqualTo(count));
    }

    [TestCase("10.0.0.0/15", "larger than a /16")]
    [TestCase("fd00::/120", "not an IPv4 range")]
    [TestCase("10.0.0.0/33", "no valid prefix")]
    [TestCase("10.0.0.0/x", "no valid prefix")]
    [TestCase("camera", "not an IPv4 range")]
    public void BadRangesSayWhy(string text, string why)
    {
        Assert.That(CidrRange.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(why));
    }

    private static ScanInterface Ifc(string name, int index, string? v4 = null, bool v6 = true, bool up = true, bool loopback = false, bool multicast = true, bool enslaved = false) =>
        new(name, index, v4 is null ? [] : [(IPAddress.Parse(v4), 24)], v6 ? [IPAddress.Parse($"fe80::{index}")] : [], up, loopback, multicast) { IsEnslaved = enslaved };

    [Test]
    public void EveryKindOfInterfaceWithAnAddressIsScanned()
    {
        var all = new[]
        {
            Ifc("lo", 1, "127.0.0.1", loopback: true),
            Ifc("eth0", 2, "192.168.1.10"),
            Ifc("br0", 3, "10.77.1.1"),
            Ifc("veth-port", 4, enslaved: true),
            Ifc("eth0.100", 5, "10.77.4.1"),
            Ifc("mv0", 6, "10.77.2.1"),
            Ifc("wg0", 7, "10.9.0.1", v6: false, multicast: false),
            Ifc("eth1", 8, "10.5.0.1", up: false),
            Ifc("v6only", 9),
            Ifc("bare", 10, v6: false),
        };
        var chosen = ScanInterface.Select(all, [], out var skipped);
        Assert.That(chosen.Select(i => i.Name), Is.EqualTo(new[] { "eth0", "br0", "eth0.100", "mv0", "v6only" }));
        Assert.That(skipped.ToDictionary(s => s.Name, s => s.Why), Is.EquivalentTo(new Dictionary<string, string>
        {
            ["lo"] = "loopback",
            ["veth-port"] = "a port of a bridge or bond (its master is scanned)",
            ["wg0"] = "no multicast",
            ["eth1"] = "down",
            ["bare"] = "no address",
        }));
        Assert.That(chosen.Single(i => i.Name == "br0").Broadcasts.Single().ToString(), Is.EqualTo("10.77.1.255"));
    }

    [Test]
    public void NamedInterfacesAreTakenAsGivenAndAMissingOneIsAnError()
    {
        var all = new[] { Ifc("lo", 1, "127.0.0.1", loopback: true), Ifc("eth0", 2, "192.168.1.10") };
        Assert.That(ScanInterface.Select(all, ["lo"], out _).Single().Name, Is.EqualTo("lo"));
        var e = Assert.Throws<ArgumentException>(() => ScanInterface.Select(all, ["eth9"], out _))!;
        Assert.That(e.Message, Does.Contain("eth9").And.Contain("eth0"));
    }

    [Test]
    public void ADeviceHeardByIPv4AndIPv6AndByAVendorProtocolIsOneDevice()
    {
        var registry = new DeviceRegistry(100);
        var v4 = IPAddress.Parse("10.77.1.10");
        var v6 = IPAddress.Parse("fd7a:1::10");
        // DHDiscover first (keyed by the IPv4 sender), then WS-Discovery over IPv6, then over IPv4.
        var dh = registry.Observe(v4, null, TimeSpan.FromMilliseconds(5), "br0", r => r.Protocols |= ScanProtocols.DhDiscover)!;
        registry.AddAddress(dh, v6);
        registry.Observe(v6, "urn:uuid:1", TimeSpan.FromMilliseconds(9), "br0", r => r.Protocols |= ScanProtocols.WsDiscovery);
        registry.Observe(v4, "urn:uuid:1", TimeSpan.FromMilliseconds(11), "br0", r => r.Protocols |= ScanProtocols.WsDiscovery);
        var device = registry.Snapshot().Single();
        Assert.That(device.Protocols, Is.EqualTo(ScanProtocols.DhDiscover | ScanProtocols.WsDiscovery));
        Assert.That(device.Address, Is.EqualTo(v4));
        Assert.That(device.Addresses, Is.EquivalentTo(new[] { v4, v6 }));
        Assert.That(device.FirstSeen, Is.EqualTo(TimeSpan.FromMilliseconds(5)));
        // Work that still holds the merged-away record lands on the one that took it in.
        registry.Update(dh, r => r.Mac = "3c:ef:8c:00:00:01");
        Assert.That(registry.Snapshot().Single().Mac, Is.EqualTo("3c:ef:8c:00:00:01"));
    }

    [Test]
    public void ByeForgetsADeviceKnownOnlyByWsDiscovery()
    {
        var registry = new DeviceRegistry(100);
        registry.Observe(IPAddress.Parse("10.0.0.1"), "urn:uuid:a", TimeSpan.Zero, null, r => r.Protocols |= ScanProtocols.WsDiscovery);
        registry.Observe(IPAddress.Parse("10.0.0.2"), "urn:uuid:b", TimeSpan.Zero, null, r => r.Protocols |= ScanProtocols.WsDiscovery | ScanProtocols.Sadp);
        Assert.That(registry.Depart("urn:uuid:a") && registry.Depart("urn:uuid:b"), Is.True);
        Assert.That(registry.Depart("urn:uuid:c"), Is.False);
        Assert.That(registry.Snapshot().Single().Address.ToString(), Is.EqualTo("10.0.0.2"), "SADP still vouches for the second");
    }

    [Test]
    public void TheRegistryRefusesDevicesPastItsCapAndCapsEachDevicesLists()
    {
        var registry = new DeviceRegistry(3);
        for (var i = 1; i <= 5; i++)
        {
            registry.Observe(IPAddress.Parse($"10.0.0.{i}"), null, TimeSpan.Zero, null, _ => { });
        }
        Assert.That((registry.Count, registry.Refused), Is.EqualTo((3, 2)));
        var one = registry.Observe(IPAddress.Parse("10.0.0.1"), null, TimeSpan.Zero, null, _ => { })!;
        for (var i = 0; i < 100; i++)
        {
            registry.Observe(IPAddress.Parse("10.0.0.1"), $"urn:uuid:{i}", TimeSpan.Zero, null, r => DeviceRecord.AddCapped(r.Scopes, $"s{i}", DeviceRecord.MaxScopes));
        }
        Assert.That(one.Endpoints, Has.Count.EqualTo(DeviceRecord.MaxEndpoints));
        Assert.That(one.Scopes, Has.Count.EqualTo(DeviceRecord.MaxScopes));
    }

    [Test]
    public void TheGateLetsABurstThroughThenDropsAndSaysSoOnce()
    {
        var gate = new SourceGate(burst: 4, perSecond: 1, maxSources: 2);
        var a = IPAddress.Parse("10.0.0.1");
        var verdicts = Enumerable.Range(0, 8).Select(_ => gate.Admit(ScanProtocols.WsDiscovery, a)).ToList();
        Assert.That(verdicts.Take(4), Is.All.EqualTo(SourceGate.Verdict.Admit));
        Assert.That(verdicts[4], Is.EqualTo(SourceGate.Verdict.FirstDrop));
        Assert.That(verdicts.Skip(5), Is.All.EqualTo(SourceGate.Verdict.Drop));
        Assert.That(gate.Admit(ScanProtocols.Mdns, a), Is.EqualTo(SourceGate.Verdict.Admit), "each protocol has its own bucket");
        Assert.That(gate.Admit(ScanProtocols.WsDiscovery, IPAddress.Parse("10.0.0.3")), Is.EqualTo(SourceGate.Verdict.Drop), "no room for a third source");
        Assert.That(gate.Dropped, Is.EqualTo(5));
    }

    [Test]
    public void TheGateRefillsWithTime()
    {
        var gate = new SourceGate(burst: 1, perSecond: 20, maxSources: 8);
        var a = IPAddress.Parse("10.0.0.1");
        Assert.That(gate.Admit(ScanProtocols.Ssdp, a), Is.EqualTo(SourceGate.Verdict.Admit));
        Assert.That(gate.Admit(ScanProtocols.Ssdp, a), Is.Not.EqualTo(SourceGate.Verdict.Admit));
        Thread.Sleep(200);
        Assert.That(gate.Admit(ScanProtocols.Ssdp, a), Is.EqualTo(SourceGate.Verdict.Admit));
    }

    [Test]
    public void CredentialsInAStreamAddressAreTakenOut()
    {
        Assert.That(OnvifDeviceQuery.WithoutUserInfo("rtsp://admin:secret@10.0.0.5:554/live"), Is.EqualTo("rtsp://10.0.0.5:554/live"));
        Assert.That(OnvifDeviceQuery.WithoutUserInfo("rtsp://10.0.0.5/live"), Is.EqualTo("rtsp://10.0.0.5/live"));
        Assert.That(OnvifDeviceQuery.WithoutUserInfo(null), Is.Null);
    }
}
