using System.Globalization;
using Vigil.Stack;

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

    public static Task<EmbeddedRelayPortal> StartPortalAsync(IReadOnlyDictionary<string, string>? environment = null) =>
        EmbeddedRelayPortal.StartAsync(PortalDll, environment);

    /// <summary>The value of one series of a Prometheus text page, 0 when absent.</summary>
    public static long Series(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public static async Task<long> RelayMetric(RelayProcess relay, string series) => Series(await relay.Api.GetStringAsync("/metrics"), series);

    public static long Mib(long bytes) => bytes / (1024 * 1024);
}
