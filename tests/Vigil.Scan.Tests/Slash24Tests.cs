using System.Text.Json;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// A /24 without multicast: 254 simulated cameras on 10.88.0.1 to .254, routed through a veth
/// (the scanner is not on that subnet, so every address is a camera). Directed probes must find
/// every one, and identify it over HTTP, inside a 3 s scan. The time this takes is a benchmark
/// figure (docs/performance.md); this test holds the requirement: none missed within 3 s.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class Slash24Tests
{
    [Test]
    public async Task EveryCameraOfASlash24IsFoundAndIdentifiedWithinThreeSeconds()
    {
        using var s = Netns.Create("slash24-s");
        using var r = Netns.Create("slash24-r");
        Netns.Veth(s, "r0", r, "eth0");
        s.Run("addr", "add", "10.87.0.1/30", "dev", "r0");
        r.Run("addr", "add", "10.87.0.2/30", "dev", "eth0");
        s.Run("route", "add", "10.88.0.0/24", "via", "10.87.0.2");
        var batch = Path.Combine(Path.GetTempPath(), $"{r.Name}.batch");
        await File.WriteAllLinesAsync(batch, Enumerable.Range(1, 254).Select(i => $"addr add 10.88.0.{i}/32 dev eth0"));
        r.Run("-batch", batch);
        var devices = Enumerable.Range(1, 254).Select(i => new SimDevice
        {
            Address = $"10.88.0.{i}",
            Endpoint = $"urn:uuid:00000000-0000-0000-0000-000000000{i:D3}",
            Multicast = false,
            Onvif = new SimOnvif { Flavour = "dahua", AnonymousInfo = true, Auth = "wsse", User = "admin", Password = "secret", Identity = new("Dahua", "IPC-HFW2228M-I1-V2", $"SN-{i:D3}", "2.800") },
        });
        using var sim = await NetnsProcesses.StartSimAsync(r, devices);

        var scan = await NetnsProcesses.ScanAsync(s, "--json", "--no-multicast", "--range", "10.88.0.0/24", "--timeout", "3");

        Assert.That(scan.ExitCode, Is.EqualTo(0), scan.Stderr);
        var found = scan.Devices;
        var serials = found.Select(d => d.GetProperty("serial").GetString()).ToHashSet();
        var missing = Enumerable.Range(1, 254).Where(i => !serials.Contains($"SN-{i:D3}")).ToList();
        Assert.That(missing, Is.Empty, $"not identified: {string.Join(", ", missing.Select(i => $"10.88.0.{i}"))}\n{scan.Stderr}");
        Assert.That(found, Has.Count.EqualTo(254));
        Assert.That(found.All(d => ScanOutput.Strings(d.GetProperty("protocols")).SequenceEqual(["ws-discovery", "onvif"])), Is.True);
        var duration = scan.Json.GetProperty("duration_ms").GetInt64();
        var lastFound = found.Max(d => d.GetProperty("first_seen_ms").GetInt64());
        // The scan listens until its 3 s timeout by design and cancels every ONVIF question still
        // open then: a serial in the output is an answer that came within the 3 s.
        Assert.That(lastFound, Is.LessThan(3000));
        Assert.That(duration, Is.LessThan(3500), "stopping at the deadline takes milliseconds, not seconds");
        TestContext.Out.WriteLine($"scan_ms: {duration}");
        TestContext.Out.WriteLine($"last_found_ms: {lastFound}");
        TestContext.Out.WriteLine($"found: {found.Count}");
        TestContext.Out.WriteLine($"wall_ms: {scan.Wall.TotalMilliseconds:0}");
    }
}
