using System.Text.Json;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// One good camera among hostile ones: DTDs with external entities, entity bombs, truncated XML,
/// answers to probes never sent, junk, a flood, and ONVIF services that answer 10 MB, a DTD, half
/// a document or one byte at a time. Each is ignored or refused with a logged reason, the good
/// camera is found whole, the scan ends on time and its memory stays bounded.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HostileLanTests : NetnsFixture
{
    /// <summary>
    /// Peak resident memory allowed to the scanner. The flood sends it about 150 MB of datagrams.
    /// Measured on the 2-core test machine: about 75 MiB with the rate gate and the bounded queue,
    /// 180 to 195 MiB with neither, so this line tells the two apart.
    /// </summary>
    private const long MaxPeakKiB = 150 * 1024;

    private ScanOutput _scan = null!;

    [OneTimeSetUp]
    public async Task ScanAmongHostileDevices()
    {
        var s = Keep(Netns.Create("hostile-s"));
        var h = Keep(Netns.Create("hostile-h"));
        Netns.Veth(s, "hs0", h, "eth0");
        s.Run("addr", "add", "10.77.9.1/24", "dev", "hs0");
        var hosts = new[] { 10, 30, 31, 32, 33, 34, 35, 40, 41, 42, 43, 50 };
        foreach (var host in hosts)
        {
            h.Run("addr", "add", $"10.77.9.{host}/24", "dev", "eth0");
        }
        var identity = new SimIdentity("Dahua", "IPC-HFW2228M-I1-V2", "GOOD-0001", "2.800.0000000.16.R");
        SimOnvif Onvif(string http = "normal") => new() { Flavour = "dahua", Auth = "wsse", User = "admin", Password = "secret", Identity = identity, Http = http };
        SimDevice Device(int host, string behaviour = "normal", string http = "normal") =>
            new() { Address = $"10.77.9.{host}", Endpoint = $"urn:uuid:00000000-0000-0000-0000-0000000000{host}", Behaviour = behaviour, Onvif = http == "none" ? null : Onvif(http) };
        Keep(await NetnsProcesses.StartSimAsync(h,
        [
            Device(10),
            Device(30, "dtd", "none"),
            Device(31, "entity-bomb", "none"),
            Device(32, "truncated", "none"),
            Device(33, "wrong-relates-to", "none"),
            Device(34, "junk", "none"),
            Device(35, "flood", "none"),
            Device(40, http: "huge"),
            Device(41, http: "dtd"),
            Device(42, http: "truncated"),
            Device(43, http: "slow"),
            new SimDevice { Address = "10.77.9.50", Wsd = "none", Mdns = new SimMdns { Behaviour = "loop" } },
        ]));
        _scan = await NetnsProcesses.ScanAsync(s, "--json", "-v", "--user", "admin", "--password", "secret", "--timeout", "5");
        Assert.That(_scan.ExitCode, Is.EqualTo(0), _scan.Stderr);
    }

    [Test]
    public void TheGoodCameraIsFoundWhole()
    {
        var d = _scan.The("10.77.9.10");
        Assert.That(d.GetProperty("serial").GetString(), Is.EqualTo("GOOD-0001"));
        Assert.That(d.GetProperty("streams").GetArrayLength(), Is.EqualTo(2));
        Assert.That(d.GetProperty("onvif").GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("10.77.9.30", "DTD prohibited")]
    [TestCase("10.77.9.31", "DTD prohibited")]
    [TestCase("10.77.9.32", "truncated XML")]
    [TestCase("10.77.9.33", "RelatesTo urn:uuid:")]
    [TestCase("10.77.9.34", "malformed XML")]
    [TestCase("10.77.9.50", "malformed DNS message: compression pointer does not point backwards")]
    public void HostileDatagramsAreIgnoredWithAReason(string source, string reason)
    {
        Assert.That(_scan.Stderr, Does.Contain($"ignored a datagram from {source}: {reason}"));
        Assert.That(_scan.Device(source), Is.Null);
        if (source == "10.77.9.33")
        {
            Assert.That(_scan.Stderr, Does.Contain("names no probe of this scan"));
        }
    }

    [Test]
    public void NoEntityIsEverResolved()
    {
        Assert.That(_scan.Stdout + _scan.Stderr, Does.Not.Contain("root:x:0:0"));
        Assert.That(_scan.Stdout + _scan.Stderr, Does.Not.Contain("lollol"));
    }

    [Test]
    public void AFloodIsCutAtItsSourceAndMemoryStaysBounded()
    {
        TestContext.Out.WriteLine($"peak_rss_kib: {_scan.PeakRssKiB}");
        Assert.That(_scan.Stderr, Does.Contain("WsDiscovery: flood from 10.77.9.35"));
        var flood = _scan.The("10.77.9.35");
        Assert.That(flood.GetProperty("onvif").GetProperty("endpoints").GetArrayLength(), Is.LessThanOrEqualTo(4), "10,000 endpoints from one address make one device with a capped list");
        Assert.That(_scan.Devices, Has.Count.LessThanOrEqualTo(8));
        Assert.That(_scan.Json.GetProperty("datagrams_dropped").GetInt64(), Is.GreaterThan(1000));
        Assert.That(_scan.PeakRssKiB, Is.GreaterThan(0).And.LessThan(MaxPeakKiB), $"peak resident memory {_scan.PeakRssKiB} KiB");
    }

    [TestCase("10.77.9.40", "the answer is more than the 2097152 bytes allowed")]
    [TestCase("10.77.9.41", "DTD prohibited")]
    [TestCase("10.77.9.42", "truncated XML")]
    [TestCase("10.77.9.43", "no complete answer within 2 s")]
    public void HostileOnvifAnswersBecomeErrorsNotHangs(string address, string error)
    {
        var d = _scan.The(address);
        // A device that drips its answer is cut by the request timeout, or, when the flood has
        // held the machine's two cores long enough, by the scan's own end: an error either way.
        var expected = address == "10.77.9.43" ? Does.Contain(error).Or.Contain("the scan ended before the device answered") : Does.Contain(error);
        Assert.That(d.GetProperty("onvif").GetProperty("error").GetString(), expected);
        Assert.That(d.GetProperty("streams").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void TheScanEndsOnTime()
    {
        Assert.That(_scan.Json.GetProperty("duration_ms").GetInt64(), Is.LessThan(5500));
        Assert.That(_scan.Wall, Is.LessThan(TimeSpan.FromSeconds(10)));
    }
}
