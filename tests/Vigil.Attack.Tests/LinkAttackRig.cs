using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Vigil.LoadTool;

namespace Vigil.Attack.Tests;

/// <summary>
/// The real processes the link attacks run against: a vigil-relay of its own, or a vigil-portal with
/// its embedded relay, on free loopback ports; and the figures the tests read off them.
/// </summary>
internal static class LinkAttackRig
{
    public static string RelayDll => Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll");
    public static string PortalDll => Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll");

    public static Task<RelayProcess> StartRelayAsync(params string[] args) => RelayProcess.StartAsync(RelayDll, args);

    /// <summary>A portal on a fresh SQLite file with its embedded relay; returns it with the relay's agent endpoint and key.</summary>
    public static async Task<(PortalProcess Portal, IPEndPoint Relay, byte[] RelayKey, string Dir)> StartPortalAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-attack-").FullName;
        var relay = new IPEndPoint(IPAddress.Loopback, RelayProcess.FreePort());
        var portal = await PortalProcess.StartAsync(PortalDll, Path.Combine(dir, "portal.db"), environment,
            ["--embedded-relay", relay.ToString(), "--embedded-relay-api", $"127.0.0.1:{RelayProcess.FreePort()}", "--data-dir", Path.Combine(dir, "data")]);
        string? key = null;
        await Poll.WithinAsync(TimeSpan.FromSeconds(30), async () =>
        {
            var nodes = JsonNode.Parse(await portal.Api.GetStringAsync("/api/v1/relays"))!.AsArray();
            key = nodes.FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded")?["public_key"]?.GetValue<string>();
            return key is { Length: > 0 };
        });
        Assert.That(key, Is.Not.Null.And.Not.Empty, "the embedded relay registered its key");
        return (portal, relay, Convert.FromBase64String(key!), dir);
    }

    /// <summary>The value of one series of a Prometheus text page, 0 when absent.</summary>
    public static long Series(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public static async Task<long> RelayMetric(RelayProcess relay, string series) => Series(await relay.Api.GetStringAsync("/metrics"), series);

    public static long Mib(long bytes) => bytes / (1024 * 1024);
}
