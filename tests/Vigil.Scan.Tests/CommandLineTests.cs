using System.Net;
using System.Text.Json;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan.Tests;

/// <summary>vigil-scan's options and its JSON format, without a scan.</summary>
[TestFixture]
public sealed class CommandLineTests
{
    private static ScanArguments Parse(params string[] args) => ScanArguments.Parse(args, _ => null);

    [Test]
    public void Defaults()
    {
        var a = Parse();
        Assert.That(a.Options.Timeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(a.Options.Protocols, Is.EqualTo(ScanProtocols.Discovery));
        Assert.That((a.Json, a.Options.Multicast, a.Options.QueryOnvif, a.Options.Credentials), Is.EqualTo((false, true, true, (Vigil.Onvif.Client.OnvifCredentials?)null)));
    }

    [Test]
    public void EveryOption()
    {
        var a = Parse("--timeout", "1.5", "--interface", "br0", "--interface", "eth0.100", "--range", "10.88.0.0/24", "--no-multicast", "--protocols", "ws-discovery,sadp", "--no-onvif", "--user", "admin", "--password", "pw", "--json", "-v");
        Assert.That(a.Options.Timeout, Is.EqualTo(TimeSpan.FromSeconds(1.5)));
        Assert.That(a.Options.Interfaces, Is.EqualTo(new[] { "br0", "eth0.100" }));
        Assert.That(a.Options.Ranges.Single().ToString(), Is.EqualTo("10.88.0.0/24"));
        Assert.That(a.Options.Protocols, Is.EqualTo(ScanProtocols.WsDiscovery | ScanProtocols.Sadp));
        Assert.That((a.Options.Multicast, a.Options.QueryOnvif, a.Json, a.Verbosity), Is.EqualTo((false, false, true, 1)));
        Assert.That(a.Options.Credentials, Is.EqualTo(new Vigil.Onvif.Client.OnvifCredentials("admin", "pw")));
    }

    [Test]
    public void ThePasswordCanComeFromTheEnvironmentOrAFile()
    {
        var env = ScanArguments.Parse(["--user", "admin"], name => name == "VIGIL_SCAN_PASSWORD" ? "from-env" : null);
        Assert.That(env.Options.Credentials!.Password, Is.EqualTo("from-env"));
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "from-file\nignored\n");
        Assert.That(Parse("--user", "admin", "--password-file", file).Options.Credentials!.Password, Is.EqualTo("from-file"));
        File.Delete(file);
    }

    [TestCase("--timeout", "0", "--timeout takes seconds")]
    [TestCase("--timeout", "soon", "--timeout takes seconds")]
    [TestCase("--range", "10.0.0.0/8", "larger than a /16")]
    [TestCase("--protocols", "ws-discovery,upnp", "unknown protocol 'upnp'")]
    [TestCase("--password", "x", "a password needs --user")]
    [TestCase("--no-multicast", null, "--no-multicast needs at least one --range")]
    [TestCase("--bogus", null, "unknown option '--bogus'")]
    [TestCase("--user", null, "--user needs a value")]
    [TestCase("--password-file", "/nonexistent/pw", "cannot read /nonexistent/pw")]
    public void BadCommandLinesSayWhatIsWrong(string option, string? value, string message)
    {
        var args = value is null ? new[] { option } : [option, value];
        var e = Assert.Throws<UsageException>(() => Parse(args))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void TheJsonFormatHasEveryFieldInSnakeCase()
    {
        var device = new DiscoveredDevice
        {
            Address = IPAddress.Parse("10.0.0.5"),
            Addresses = [IPAddress.Parse("10.0.0.5"), IPAddress.Parse("fd00::5")],
            Manufacturer = "Dahua",
            Protocols = ScanProtocols.WsDiscovery | ScanProtocols.Onvif,
            Endpoints = ["urn:uuid:1"],
            XAddrs = [new Uri("http://10.0.0.5/onvif/device_service")],
            OnvifAddress = new Uri("http://10.0.0.5/onvif/device_service"),
            Streams = [new StreamProfile("P0", "Main", "H264", 1920, 1080, "rtsp://10.0.0.5/p0", null, null)],
            FirstSeen = TimeSpan.FromMilliseconds(12.7),
        };
        var result = new ScanResult(DateTimeOffset.Parse("2026-11-21T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(3001), ["br0"], [], [device], 2, 3);
        var json = JsonSerializer.Serialize(ScanReport.From(result), ScanReportJson.Default.ScanReport);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("vigil-scan/1"));
        Assert.That(root.GetProperty("duration_ms").GetInt64(), Is.EqualTo(3001));
        Assert.That((root.GetProperty("datagrams_ignored").GetInt64(), root.GetProperty("datagrams_dropped").GetInt64()), Is.EqualTo((2, 3)));
        var d = root.GetProperty("devices")[0];
        Assert.That(d.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
        {
            "address", "addresses", "interface", "manufacturer", "model", "serial", "firmware", "hardware_id", "name", "mac",
            "protocols", "onvif", "streams", "services", "http_port", "first_seen_ms",
        }));
        Assert.That(d.GetProperty("model").ValueKind, Is.EqualTo(JsonValueKind.Null), "unknown values are null, not left out");
        Assert.That(d.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()), Is.EqualTo(new[] { "ws-discovery", "onvif" }));
        Assert.That(d.GetProperty("onvif").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "address", "xaddrs", "endpoints", "scopes", "profiles", "error" }));
        var s = d.GetProperty("streams")[0];
        Assert.That(s.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "profile", "name", "encoding", "width", "height", "rtsp", "snapshot", "error" }));
        Assert.That(d.GetProperty("first_seen_ms").GetInt64(), Is.EqualTo(12));
    }
}
