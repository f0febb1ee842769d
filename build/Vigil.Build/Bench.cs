namespace Vigil.Build;

/// <summary>
/// `./build.sh bench NAME`: the system benchmarks whose figures go to docs/performance.md. Each runs
/// real processes on loopback: a vigil-relay, simulated agents of the load tool, the AOT agent, a
/// vigil-portal under wrk.
/// </summary>
internal static class Bench
{
    private static readonly Dictionary<string, string> Scenarios = new(StringComparer.Ordinal)
    {
        ["idle"] = "relay memory per idle connected agent (19,500 simulated agents)",
        ["handshakes"] = "Noise IK handshakes completed per second by one relay",
        ["rtt"] = "control round trip relay -> agent -> relay with 1,000 agents connected",
        ["tunnel"] = "tunnel throughput through the relay against direct loopback TCP",
        ["agent"] = "the AOT agent's binary size and idle resident memory",
        ["hooks"] = "play-authorization decisions per second of the portal's Flussonic hook, against a bare Kestrel",
    };

    public static int Run(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "list";
        if (name == "list" || (name != "all" && !Scenarios.ContainsKey(name)))
        {
            Console.WriteLine("usage: ./build.sh bench <name> [options], names:");
            foreach (var (n, what) in Scenarios)
            {
                Console.WriteLine($"  {n,-11} {what}");
            }
            Console.WriteLine("  all         every one of them");
            return name == "list" ? 0 : 2;
        }
        var scenarios = name == "all" ? Scenarios.Keys.ToArray() : [name];
        // The portal's hooks do not involve the agent: that scenario alone skips the AOT publish.
        var agent = scenarios.All(s => s == "hooks") ? "" : AgentPublisher.Publish(AgentPublisher.HostRid);
        var output = Path.Combine(Paths.Artifacts, "bench");
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "bench", "Vigil.LoadTool", "Vigil.LoadTool.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", output]);
        // The portal in a folder of its own: its dependencies are not the load tool's.
        var portal = Path.Combine(output, "portal");
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "portal-api", "Vigil.Portal", "Vigil.Portal.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", portal]);
        var relayDll = Path.Combine(output, "vigil-relay.dll");
        foreach (var scenario in scenarios)
        {
            Console.WriteLine($"== {scenario}: {Scenarios[scenario]} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)");
            Shell.Run("dotnet", [Path.Combine(output, "vigil-load.dll"), "bench", scenario, "--relay-dll", relayDll, "--agent", agent,
                "--portal-dll", Path.Combine(portal, "vigil-portal.dll"), .. args[1..]]);
        }
        return 0;
    }
}
