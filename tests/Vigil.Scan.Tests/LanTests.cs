using System.Text.Json;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// A LAN of namespaces: the scanner's namespace holds a bridge (with a veth port to the cameras'
/// namespace), a macvlan over a veth, an IPv6-only link and, where the kernel has 802.1Q, a VLAN.
/// Simulated cameras answer with the real captures. One scan with credentials runs for the
/// fixture; each test reads what it found.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LanTests : NetnsFixture
{
    private const string DahuaEndpoint = "uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464";
    private bool _vlan;
    private ScanOutput _scan = null!;
    private ScanOutput _table = null!;

    private static SimOnvif Onvif(string flavour, string auth, SimIdentity identity, int skew = 0, int port = 80, bool anonymousInfo = false) =>
        new() { Flavour = flavour, Auth = auth, User = "admin", Password = "secret", Identity = identity, ClockSkewSeconds = skew, Port = port, AnonymousInfo = anonymousInfo };

    [OneTimeSetUp]
    public async Task BuildTheLanAndScanIt()
    {
        var s = Keep(Netns.Create("lan-s"));
        var a = Keep(Netns.Create("lan-a"));
        var b = Keep(Netns.Create("lan-b"));
        var c = Keep(Netns.Create("lan-c"));

        // The bridge: cameras behind it are reached only through br0.
        s.Run("link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        Netns.Veth(s, "sa0", a, "eth0");
        s.Run("link", "set", "sa0", "master", "br0");
        s.Run("link", "set", "br0", "up");
        s.Run("addr", "add", "10.77.1.1/24", "dev", "br0");
        s.Run("addr", "add", "fd7a:1::1/64", "dev", "br0", "nodad");
        foreach (var host in new[] { 10, 11, 12, 13, 14, 15, 20, 21 })
        {
            a.Run("addr", "add", $"10.77.1.{host}/24", "dev", "eth0");
        }
        a.Run("addr", "add", "fd7a:1::10/64", "dev", "eth0", "nodad");
        a.Run("addr", "add", "fd7a:1::11/64", "dev", "eth0", "nodad");

        // A macvlan stacked on a veth, like a VLAN or bond would be. Its lower veth has no IPv4
        // address, and must not answer ARP for the macvlan's (arp_ignore), or answers would
        // come in through the veth instead.
        s.Exec("sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore");
        Netns.Veth(s, "sb0", b, "eth0");
        s.Run("link", "add", "mv0", "link", "sb0", "type", "macvlan", "mode", "bridge");
        s.Run("link", "set", "mv0", "up");
        s.Run("addr", "add", "10.77.2.1/24", "dev", "mv0");
        b.Run("addr", "add", "10.77.2.10/24", "dev", "eth0");

        // A link with IPv6 only: the camera can be found only by [ff02::c].
        Netns.Veth(s, "sc0", c, "eth0");
        s.Run("addr", "add", "fd7a:3::1/64", "dev", "sc0", "nodad");
        c.Run("addr", "add", "fd7a:3::10/64", "dev", "eth0", "nodad");

        // A VLAN, where the kernel can make one (802.1Q; some VMs' kernels lack it).
        var v = Keep(Netns.Create("lan-v"));
        Netns.Veth(s, "sd0", v, "eth0");
        _vlan = s.CanAdd("link", "sd0", "name", "sd0.100", "type", "vlan", "id", "100");
        if (_vlan)
        {
            v.Run("link", "add", "link", "eth0", "name", "eth0.100", "type", "vlan", "id", "100");
            s.Run("link", "set", "sd0.100", "up");
            v.Run("link", "set", "eth0.100", "up");
            s.Run("addr", "add", "10.77.4.1/24", "dev", "sd0.100");
            v.Run("addr", "add", "10.77.4.10/24", "dev", "eth0.100");
            Keep(await NetnsProcesses.StartSimAsync(v, [new SimDevice { Address = "10.77.4.10", Endpoint = "urn:uuid:00000000-0000-0000-0000-0000000000a4" }]));
        }

        var dahua = new SimIdentity("Dahua", "IPC-HFW2228M-I1-V2", "4L0A2B3PAJ12345", "2.800.0000000.16.R", "3c:ef:8c:00:00:01");
        var hik = new SimIdentity("HIKVISION", "DS-2CD2143G2-IS", "DS-2CD2143G2-IS20210101AAWRG12345678", "V5.7.3 build 220112", "c4:2f:90:0a:1b:2c");
        Keep(await NetnsProcesses.StartSimAsync(a,
        [
            // The real Dahua capture, on IPv4 and IPv6; its clock an hour ahead of ours.
            new SimDevice { Address = "10.77.1.10", Address6 = "fd7a:1::10", Endpoint = DahuaEndpoint, Wsd = "dahua", Onvif = Onvif("dahua", "wsse", dahua, skew: 3600), Dh = dahua },
            // gSOAP-style answer, HTTP Digest, the real Hikvision profiles, and SADP.
            new SimDevice { Address = "10.77.1.11", Endpoint = "urn:uuid:A1B2C3D4-0000-1111-2222-333344445555", Wsd = "gsoap", XAddrs = "http://{HOST}/onvif/device_service http://[fd7a:1::11]/onvif/device_service", Onvif = Onvif("hik", "digest", hik), Sadp = hik },
            // SOAP 1.1 in the 2009/01 namespaces, an XAddr of 0.0.0.0 on port 8080, Media2.
            new SimDevice { Address = "10.77.1.12", Endpoint = "urn:uuid:00000000-0000-0000-0000-000000000012", Wsd = "soap11-2009", XAddrs = "http://0.0.0.0:8080/onvif/device_service", Onvif = Onvif("media2", "wsse", new("Example&Co", "NVT-2009", "EX-12", "1.2.3"), port: 8080) },
            // Deaf to the first round of probes; no GetServices (GetCapabilities only).
            new SimDevice { Address = "10.77.1.13", Endpoint = "urn:uuid:00000000-0000-0000-0000-000000000013", Behaviour = "drop-first", DropProbes = 2, Onvif = Onvif("old", "wsse", new("Dahua", "IPC-OLD", "OLD-13", "1.0")) },
            // Silent to probes: it announces itself by Hello once the scan is under way...
            new SimDevice { Address = "10.77.1.14", Endpoint = "urn:uuid:00000000-0000-0000-0000-000000000014", Behaviour = "hello-only" },
            // ...and this one says Hello and then Bye.
            new SimDevice { Address = "10.77.1.15", Endpoint = "urn:uuid:00000000-0000-0000-0000-000000000015", Behaviour = "hello-bye" },
            // An Axis camera known by mDNS (SRV and TXT only on a follow-up question) and UPnP.
            new SimDevice
            {
                Address = "10.77.1.20", Wsd = "none",
                Mdns = new SimMdns { ServiceType = "_axis-video._tcp.local", Instance = "AXIS M3045-V - ACCC8E0A1B2C", Port = 80, Txt = ["macaddress=ACCC8E0A1B2C"], Split = true },
                Ssdp = new SimIdentity("AXIS", "M3045-V", "ACCC8E0A1B2C", "10.12.1"),
            },
            // An RTSP server announced by DNS-SD with everything in one answer.
            new SimDevice { Address = "10.77.1.21", Wsd = "none", Mdns = new SimMdns { ServiceType = "_rtsp._tcp.local", Instance = "Gate camera", Port = 554, Txt = ["model=GC-1", "sn=GC1-0001"] } },
        ]));
        Keep(await NetnsProcesses.StartSimAsync(b, [new SimDevice { Address = "10.77.2.10", Endpoint = "urn:uuid:00000000-0000-0000-0000-0000000000b2" }]));
        Keep(await NetnsProcesses.StartSimAsync(c,
        [
            new SimDevice { Address = "fd7a:3::10", Endpoint = "urn:uuid:00000000-0000-0000-0000-0000000000c3", Wsd = "gsoap", Onvif = Onvif("dahua", "wsse", new("Uniview", "IPC-V6", "V6-0001", "6.6"), anonymousInfo: true) },
        ]));

        _scan = await NetnsProcesses.ScanAsync(s, "--json", "-v", "--user", "admin", "--password", "secret", "--timeout", "5");
        Assert.That(_scan.ExitCode, Is.EqualTo(0), _scan.Stderr);
        TestContext.Out.WriteLine(_scan.Stderr);
        _table = await NetnsProcesses.ScanAsync(s, "--timeout", "2", "--protocols", "ws-discovery");
    }

    private static string? Text(JsonElement e, string name) => e.GetProperty(name).GetString();

    [Test]
    public void MulticastProbesCrossTheBridge()
    {
        var d = _scan.The("10.77.1.10");
        Assert.That(Text(d, "interface"), Is.EqualTo("br0"));
        Assert.That(ScanOutput.Strings(d.GetProperty("protocols")), Is.EqualTo(new[] { "ws-discovery", "dhdiscover", "onvif" }));
        Assert.That(ScanOutput.Strings(_scan.Json.GetProperty("interfaces")), Does.Contain("br0").And.Not.Contain("sa0"), "the bridge is scanned, its port is not");
    }

    [Test]
    public void OneDeviceOnIPv4AndIPv6IsOneDevice()
    {
        var matches = _scan.Devices.Where(d => d.GetProperty("onvif").ValueKind == JsonValueKind.Object
            && ScanOutput.Strings(d.GetProperty("onvif").GetProperty("endpoints")).Contains("urn:uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464")).ToList();
        Assert.That(matches, Has.Count.EqualTo(1));
        var d = matches[0];
        Assert.That(Text(d, "address"), Is.EqualTo("10.77.1.10"));
        Assert.That(ScanOutput.Strings(d.GetProperty("addresses")), Is.EquivalentTo(new[] { "10.77.1.10", "fd7a:1::10" }));
        Assert.That(ScanOutput.Strings(d.GetProperty("onvif").GetProperty("xaddrs")), Is.EquivalentTo(new[] { "http://10.77.1.10/onvif/device_service", "http://[fd7a:1::10]/onvif/device_service" }));
        Assert.That(_scan.Devices.Count(x => ScanOutput.Strings(x.GetProperty("addresses")).Contains("10.77.1.10")), Is.EqualTo(1), "DHDiscover's view of it is merged too");
    }

    [Test]
    public void AnIPv6OnlyCameraIsFoundOnFf02C()
    {
        var d = _scan.The("fd7a:3::10");
        Assert.That((Text(d, "address"), Text(d, "interface")), Is.EqualTo(("fd7a:3::10", "sc0")));
        Assert.That(Text(d, "serial"), Is.EqualTo("V6-0001"));
        Assert.That(d.GetProperty("streams")[0].GetProperty("rtsp").GetString(), Does.StartWith("rtsp://[fd7a:3::10]:554/"));
    }

    [Test]
    public void AMacvlanIsScannedLikeAnyInterface() =>
        Assert.That(Text(_scan.The("10.77.2.10"), "interface"), Is.EqualTo("mv0"));

    [Test]
    public void AVlanInterfaceIsScanned()
    {
        if (!_vlan)
        {
            Assert.Ignore("this kernel cannot make 802.1Q VLAN interfaces (ip link add ... type vlan: Unknown device type); VLAN choice is covered by ScanPartsTests");
        }
        Assert.That(Text(_scan.The("10.77.4.10"), "interface"), Is.EqualTo("sd0.100"));
    }

    [Test]
    public void TheOtherDialectsAreRead()
    {
        var hik = _scan.The("10.77.1.11");
        Assert.That(Text(hik, "name"), Is.EqualTo("HIKVISION DS-2CD2143G2-IS"), "URL-encoded scope, decoded");
        Assert.That(ScanOutput.Strings(hik.GetProperty("onvif").GetProperty("profiles")), Is.EqualTo(new[] { "Streaming", "T" }));
        Assert.That(ScanOutput.Strings(hik.GetProperty("onvif").GetProperty("endpoints")), Is.EqualTo(new[] { "urn:uuid:a1b2c3d4-0000-1111-2222-333344445555" }));
        Assert.That(hik.GetProperty("onvif").GetProperty("xaddrs").GetArrayLength(), Is.EqualTo(2));
        var soap11 = _scan.The("10.77.1.12");
        Assert.That(Text(soap11, "name"), Is.EqualTo("Lobby Cam"));
        Assert.That(soap11.GetProperty("onvif").GetProperty("address").GetString(), Is.EqualTo("http://10.77.1.12:8080/onvif/device_service"), "0.0.0.0 became the sender's address");
        Assert.That(ScanOutput.Strings(soap11.GetProperty("onvif").GetProperty("profiles")), Is.EqualTo(new[] { "S", "T" }));
    }

    [Test]
    public void RepeatedProbesFindACameraThatMissedTheFirst()
    {
        var d = _scan.The("10.77.1.13");
        Assert.That(d.GetProperty("first_seen_ms").GetInt64(), Is.GreaterThanOrEqualTo(90), "it ignored the first round, so only a repeat can have found it");
    }

    [Test]
    public void HelloIsHeardAndByeForgets()
    {
        var hello = _scan.The("10.77.1.14");
        Assert.That(ScanOutput.Strings(hello.GetProperty("protocols")), Does.Contain("ws-discovery"));
        Assert.That(hello.GetProperty("first_seen_ms").GetInt64(), Is.GreaterThanOrEqualTo(250), "it answers no probe; only its Hello can have found it");
        Assert.That(_scan.Device("10.77.1.15"), Is.Null);
        Assert.That(_scan.Stderr, Does.Contain("WS-Discovery Bye from urn:uuid:00000000-0000-0000-0000-000000000015: it left"));
    }

    [Test]
    public void MdnsFindsAxisAndRtspServices()
    {
        var axis = _scan.The("10.77.1.20");
        Assert.That(ScanOutput.Strings(axis.GetProperty("services")), Does.Contain("AXIS M3045-V - ACCC8E0A1B2C._axis-video._tcp.local"));
        Assert.That(Text(axis, "mac"), Is.EqualTo("ACCC8E0A1B2C"), "TXT came only in the answer to the follow-up question");
        var rtsp = _scan.The("10.77.1.21");
        Assert.That((Text(rtsp, "name"), Text(rtsp, "model"), Text(rtsp, "serial")), Is.EqualTo(("Gate camera", "GC-1", "GC1-0001")));
        Assert.That(ScanOutput.Strings(rtsp.GetProperty("protocols")), Is.EqualTo(new[] { "mdns" }));
    }

    [Test]
    public void SsdpLeadsToTheUpnpDescription()
    {
        var axis = _scan.The("10.77.1.20");
        Assert.That(ScanOutput.Strings(axis.GetProperty("protocols")), Is.EqualTo(new[] { "mdns", "ssdp" }));
        Assert.That((Text(axis, "manufacturer"), Text(axis, "model"), Text(axis, "serial")), Is.EqualTo(("AXIS", "M3045-V", "ACCC8E0A1B2C")));
    }

    [Test]
    public void SadpAndDhDiscoverAnswer()
    {
        Assert.That(ScanOutput.Strings(_scan.The("10.77.1.11").GetProperty("protocols")), Does.Contain("sadp"));
        var dahua = _scan.The("10.77.1.10");
        Assert.That(ScanOutput.Strings(dahua.GetProperty("protocols")), Does.Contain("dhdiscover"));
        Assert.That(Text(dahua, "mac"), Is.EqualTo("3c:ef:8c:00:00:01"));
    }

    [Test]
    public void TheClockOffsetLetsTheUsernameTokenPass()
    {
        // The device's clock is an hour ahead and it refuses a Created more than 5 s off.
        var d = _scan.The("10.77.1.10");
        Assert.That(d.GetProperty("onvif").GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null), _scan.Stderr);
        Assert.That((Text(d, "serial"), Text(d, "firmware")), Is.EqualTo(("4L0A2B3PAJ12345", "2.800.0000000.16.R")));
        Assert.That(d.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("rtsp").GetString()), Is.EqualTo(new[]
        {
            "rtsp://10.77.1.10:554/stream/MediaProfile000",
            "rtsp://10.77.1.10:554/stream/MediaProfile001",
        }));
    }

    [Test]
    public void HttpDigestOpensTheCapturedHikvisionProfiles()
    {
        var d = _scan.The("10.77.1.11");
        var streams = d.GetProperty("streams").EnumerateArray().ToList();
        Assert.That(streams, Has.Count.EqualTo(36));
        Assert.That(streams[0].GetProperty("profile").GetString(), Is.EqualTo("MediaProfile00000"));
        Assert.That(streams.All(s => s.GetProperty("rtsp").GetString()!.StartsWith("rtsp://10.77.1.11:554/stream/MediaProfile", StringComparison.Ordinal)), Is.True);
        Assert.That(Text(d, "serial"), Is.EqualTo("DS-2CD2143G2-IS20210101AAWRG12345678"));
    }

    [Test]
    public void Media2AndGetCapabilitiesDevices()
    {
        var device = _scan.The("10.77.1.12");
        Assert.That(Text(device, "manufacturer"), Is.EqualTo("Example&Co"));
        var media2 = device.GetProperty("streams")[0];
        Assert.That((media2.GetProperty("profile").GetString(), media2.GetProperty("encoding").GetString(), media2.GetProperty("width").GetInt32()), Is.EqualTo(("Profile_1", "H265", 2688)));
        Assert.That(media2.GetProperty("rtsp").GetString(), Is.EqualTo("rtsp://10.77.1.12:554/stream/Profile_1"));
        var old = _scan.The("10.77.1.13");
        Assert.That(old.GetProperty("streams").GetArrayLength(), Is.EqualTo(2), "found through GetCapabilities");
    }

    [Test]
    public void TheTableNamesTheCamerasAndWhatTheyNeed()
    {
        Assert.That(_table.ExitCode, Is.EqualTo(0), _table.Stderr);
        var lines = _table.Stdout.Split('\n');
        Assert.That(lines[0], Does.StartWith("ADDRESS").And.Contain("MANUFACTURER").And.Contain("PROTOCOLS").And.Contain("ONVIF"));
        Assert.That(lines.Single(l => l.StartsWith("10.77.1.10 ", StringComparison.Ordinal)), Does.Contain("IPC-HFW2228M-I1-V2").And.Contain("ws-discovery,onvif").And.Contain("http://10.77.1.10/onvif/device_service"));
        Assert.That(_table.Stdout, Does.Contain("(give --user and --password)"));
        Assert.That(lines.Any(l => l.Contains("device(s) in", StringComparison.Ordinal)), Is.True);
    }
}
