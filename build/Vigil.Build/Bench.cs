namespace Vigil.Build;

/// <summary>
/// `./build.sh bench NAME`: the system benchmarks whose figures go to docs/performance.md. Each runs
/// real processes on loopback: a vigil-relay, simulated agents of the load tool, the AOT agent.
/// </summary>
internal static class Bench
{
    private static readonly Dictionary<string, string> Scenarios = new(StringComparer.Ordinal)
    {
        ["idle"] = "relay memory per idle connected agent (19,500 simulated agents)",
        ["handshakes"] = "Noise IK handshakes completed per second by one relay",
        ["rtt"] = "control round trip relay -> agent -> relay with 1,000 agents connected",
        ["tunnel"] = "tunnel throughput through the relay against direct loopback TCP",
        ["import"] = "CSV import of 100,000 cameras through the portal's API, on SQLite and on PostgreSQL",
        ["agent"] = "the AOT agent's binary size and idle resident memory",
    };

    public static int Run(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "list";
        using var postgres = name is "import" or "all" ? BenchPostgres.Start() : null;
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
        var agent = AgentPublisher.Publish(AgentPublisher.HostRid);
        var output = Path.Combine(Paths.Artifacts, "bench");
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "bench", "Vigil.LoadTool", "Vigil.LoadTool.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", output]);
        var relayDll = Path.Combine(output, "vigil-relay.dll");
        foreach (var scenario in name == "all" ? Scenarios.Keys.ToArray() : [name])
        {
            Console.WriteLine($"== {scenario}: {Scenarios[scenario]} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)");
            Shell.Run("dotnet", [Path.Combine(output, "vigil-load.dll"), "bench", scenario, "--relay-dll", relayDll, "--agent", agent, .. args[1..]]);
        }
        return 0;
    }
}
