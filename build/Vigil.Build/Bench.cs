namespace Vigil.Build;

/// <summary>
/// `./build.sh bench NAME`: the system benchmarks whose figures go to docs/performance.md. Each runs
/// real processes on loopback: a vigil-relay, simulated agents of the load tool, the AOT agent, a
/// vigil-portal under wrk; for media, a GStreamer camera, nginx-rtmp and ffmpeg (the test peers).
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
        ["scan"] = "vigil-scan over a /24 of 254 simulated cameras by unicast (network namespaces, root)",
        ["hooks"] = "play-authorization decisions per second of the portal's Flussonic hook, against a bare Kestrel",
        ["media"] = "the AOT agent against ffmpeg -c copy, RTSP 1080p 4 Mbit/s into RTMP for 60 s: CPU and memory",
        ["flood"] = "relay and portal (embedded relay) memory while 100 hostile agents flood every frame kind for 60 s, unread",
        ["ota"] = "a 2 MB signed release pushed by one relay to 1,000 simulated agents, then to the AOT agent: time, relay CPU and memory, agent peak memory",
        ["ota-netem"] = "one AOT agent's download of a 2 MB release over a 1 Mbit/s link (network namespace, tc) cut for 30 s: resumes where it stopped",
        ["events"] = "a motion event at a camera behind the AOT agent and the relay to the portal's API: p50, p95 of 100",
        ["live"] = "glass-to-glass latency of live video over WebRTC (Janus) and HLS in the same 60 s, and click-to-first-frame on the camera page",
        ["live-viewers"] = "streamer-node CPU and memory (Janus, ffmpeg, vigil-live) with 0, 1, 10 and 50 WebRTC viewers of one camera",
        ["grid"] = "Chromium on the grid of 50 cameras, stills against 50 live players (nginx-rtmp, ffmpeg publishers): browser, nginx and portal CPU, memory, bytes",
        ["subscriptions"] = "1,000 cameras (simulated agents and cameras) whose events one portal subscribes to through one relay: time, CPU, memory, events/s and latency",
        ["startup"] = "vigil-portal from its process start to its first answer, and its --help: median of 10 starts",
        ["archive"] = "a streamer node's archive: files per camera-day, bytes on disk over the stream's, a moment 7 days back among 1,000 cameras x 7 days",
        ["export"] = "vigil-archive's MP4 export of one hour of a 4 Mbit/s camera against ffmpeg -c copy of the same hour",
        ["recording"] = "a streamer node's CPU and memory per recording camera: 50 cameras publishing to nginx-rtmp beside vigil-archive, recording off then on",
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
        if (name is "media" or "grid" or "archive" or "recording" or "all")
        {
            TestPeers.Ensure();
        }
        if (name is "grid" or "all")
        {
            // The grid is the built web portal in Chromium.
            WebPortal.Build();
        }
        var scenarios = name == "all" ? Scenarios.Keys.ToArray() : [name];
        var others = scenarios.Where(s => s is not ("scan" or "events" or "live" or "live-viewers" or "export")).ToArray();
        if (others.Length > 0)
        {
            // The portal's hooks do not involve the agent: that scenario alone skips the AOT publish.
            var agent = others.All(s => s is "hooks" or "flood" or "subscriptions" or "grid" or "startup" or "archive" or "recording") ? "" : AgentPublisher.Publish(AgentPublisher.HostRid);
            var output = Path.Combine(Paths.Artifacts, "bench");
            Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "bench", "Vigil.LoadTool", "Vigil.LoadTool.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", output]);
            // The portal in a folder of its own: its dependencies are not the load tool's.
            var portal = Path.Combine(output, "portal");
            Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "portal-api", "Vigil.Portal", "Vigil.Portal.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", portal]);
            var relayDll = Path.Combine(output, "vigil-relay.dll");
            foreach (var scenario in others)
            {
                Header(scenario);
                string[] portalArg = scenario is "hooks" or "flood" or "subscriptions" or "grid" or "startup" ? ["--portal-dll", Path.Combine(portal, "vigil-portal.dll")]
                    : scenario is "archive" or "recording" ? ["--archive-dll", BuildArchive(output)] : [];
                Shell.Run("dotnet", [Path.Combine(output, "vigil-load.dll"), "bench", scenario, "--relay-dll", relayDll, "--agent", agent, .. portalArg, .. args[1..]]);
            }
        }
        if (scenarios.Contains("scan"))
        {
            Header("scan");
            Scan();
        }
        if (scenarios.Contains("events"))
        {
            Header("events");
            Events();
        }
        if (scenarios.Contains("export"))
        {
            Header("export");
            Export();
        }
        if (scenarios.Contains("live"))
        {
            Header("live");
            Live("LiveLatencyBenchTests");
        }
        if (scenarios.Contains("live-viewers"))
        {
            Header("live-viewers");
            Live("LiveViewersBenchTests");
        }
        return 0;
    }

    /// <summary>
    /// The MP4 export runs in the archive service's test project, beside the FLV tools it uses; the
    /// benchmark runs that one explicit fixture and shows the figures it prints. The hour's FLV is made
    /// once (minutes of x264) and kept in artifacts/bench-cache.
    /// </summary>
    private static void Export()
    {
        Shell.Run("dotnet", ["test", Path.Combine(Paths.Root, "tests", "Vigil.Archive.Tests", "Vigil.Archive.Tests.csproj"), "-c", "Release", "-nologo",
            "--filter", "FullyQualifiedName~Mp4ExportBench", "--logger", "console;verbosity=detailed"]);
    }

    /// <summary>
    /// The event path needs the relay, the AOT agent and the simulated camera that the portal's
    /// test suite starts; the benchmark runs that test and shows the figures it prints.
    /// </summary>
    private static void Events()
    {
        Environment.SetEnvironmentVariable("VIGIL_AGENT_AOT", AgentPublisher.Publish(AgentPublisher.HostRid));
        Shell.Run("dotnet", ["test", Path.Combine(Paths.Root, "tests", "Vigil.Portal.Tests", "Vigil.Portal.Tests.csproj"), "-c", "Release", "-nologo",
            "--filter", "FullyQualifiedName~EventLatencyBenchTests", "--logger", "console;verbosity=detailed"]);
    }

    /// <summary>
    /// Live latency and the cost per viewer need the streamer node's peers (nginx-rtmp, Janus, coturn,
    /// vigil-live), a camera and Chromium, which the WebRTC suite starts; the benchmark runs one of its
    /// explicit benchmark fixtures and shows the figures it prints.
    /// </summary>
    private static void Live(string fixture)
    {
        TestPeers.Ensure();
        WebPortal.Build();
        Shell.Run("dotnet", ["test", Path.Combine(Paths.Root, "tests", "Vigil.Live.Tests", "Vigil.Live.Tests.csproj"), "-c", "Release", "-nologo",
            "--filter", $"FullyQualifiedName~{fixture}", "--logger", "console;verbosity=detailed"]);
    }

    /// <summary>vigil-archive in a folder of its own beside the load tool; the path of its dll.</summary>
    private static string BuildArchive(string output)
    {
        var dir = Path.Combine(output, "archive");
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "streamer", "Vigil.Archive", "Vigil.Archive.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", dir]);
        return Path.Combine(dir, "vigil-archive.dll");
    }

    private static void Header(string scenario) =>
        Console.WriteLine($"== {scenario}: {Scenarios[scenario]} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)");

    /// <summary>
    /// The /24 scan needs network namespaces, which its test builds; the benchmark runs that test
    /// and shows the figures it prints (scan_ms, last_found_ms, found, wall_ms).
    /// </summary>
    private static void Scan()
    {
        TestPeers.Ensure();
        Shell.Run("dotnet", ["test", Path.Combine(Paths.Root, "tests", "Vigil.Scan.Tests", "Vigil.Scan.Tests.csproj"), "-c", "Release", "-nologo",
            "--filter", "FullyQualifiedName~Slash24Tests", "--logger", "console;verbosity=detailed"]);
    }
}
