using System.Diagnostics;
using System.Xml.Linq;

namespace Vigil.Build;

/// <summary>The targets behind build.sh and build.ps1.</summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> Targets = new(StringComparer.Ordinal)
    {
        ["build"] = ("build the web portal (npm ci, vite build) and compile every project (Release)", _ => Build()),
        ["test"] = ("check the dependency rules, install the test peers, publish and package the AOT agent (linux-x64, linux-arm64) through its gates, run every test", Test),
        ["demo"] = ("run the system locally and say where to look", Demo.Run),
        ["bench"] = ("run a benchmark: bench <name> (bench list names them)", Bench.Run),
        ["publish-agent"] = ("NativeAOT vigil-agent: publish-agent [--rid RID], with the feed, warning and size gates", PublishAgent),
        ["package-agent"] = ("the installer's tar.gz: package-agent [--rid RID] -> artifacts/packages", AgentPackage.Run),
        ["size-report"] = ("what takes the agent's bytes, from the compiler's mstat: size-report [--rid RID]", SizeReport.Run),
        ["cross-check"] = ("each camera build: its packages on the feed, its toolchain linking and running a probe: cross-check [--rid RID]", CrossCheck.Run),
        ["release-key"] = ("make the Ed25519 release key pair: release-key --out DIR (keep release.key offline)", AgentReleases.MakeKey),
        ["sign-release"] = ("sign an agent release: sign-release --key FILE [--rid RID] [--binary PATH] [--version V] -> artifacts/releases", AgentReleases.Sign),
        ["help"] = ("this list", _ => Help()),
    };

    public static int Main(string[] args)
    {
        var target = args.Length > 0 ? args[0] : "help";
        if (!Targets.TryGetValue(target, out var t))
        {
            Console.Error.WriteLine($"unknown target '{target}'");
            Help();
            return 2;
        }
        try
        {
            return t.Run(args[1..]);
        }
        catch (BuildException e)
        {
            Console.Error.WriteLine($"build: {e.Message}");
            return 1;
        }
    }

    private static int Help()
    {
        Console.WriteLine("usage: ./build.sh <target> [options]");
        foreach (var (name, (help, _)) in Targets)
        {
            Console.WriteLine($"  {name,-14} {help}");
        }
        return 0;
    }

    private static int Build()
    {
        DependencyCheck.Ensure(Paths.Root);
        WebPortal.Build();
        Shell.Run("dotnet", ["build", Paths.Solution, "-c", "Release", "-nologo"]);
        return 0;
    }

    private static int PublishAgent(string[] args)
    {
        var rid = Options.Value(args, "--rid") ?? AgentPublisher.HostRid;
        var binary = AgentPublisher.Publish(rid);
        Console.WriteLine($"vigil-agent for {rid}: {binary}");
        return 0;
    }

    private static int Test(string[] args)
    {
        // First: a broken dependency rule fails in a second, before the peers and the agent are built.
        DependencyCheck.Ensure(Paths.Root);
        TestPeers.Ensure();
        WebPortal.Build();
        // The package publishes the agent through its gates; the tests install the package and run the binary.
        var package = AgentPackage.Make(AgentPublisher.HostRid);
        var agent = Path.Combine(Paths.Artifacts, "agent", AgentPublisher.HostRid, "vigil-agent");
        // linux-arm64 is shipped too: published through the same gates, packaged, and run under qemu-user
        // by the firmware tests (relay, media, the package in an arm64 busybox root).
        var arm64 = CrossTarget.Find("linux-arm64");
        var arm64Package = AgentPackage.Make(arm64.Rid);
        var arm64Agent = Path.Combine(Paths.Artifacts, "agent", arm64.Rid, "vigil-agent");
        // Fetched before the tests, so that a mirror that cannot serve it fails here, by name.
        ForeignBusybox.Ensure(arm64);
        var results = Path.Combine(Paths.Artifacts, "test-results");
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }
        var filter = Options.Value(args, "--filter");
        var testArgs = new List<string> { "-c", "Release", "-nologo", "--logger", "trx", "--results-directory", results };
        if (filter is not null)
        {
            testArgs.AddRange(["--filter", filter]);
        }
        // One build of the whole solution, then the projects side by side (TestLanes says why).
        Shell.Run("dotnet", ["build", Paths.Solution, "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        var lanes = int.TryParse(Environment.GetEnvironmentVariable("VIGIL_TEST_LANES"), out var n) && n > 0 ? n : 3;
        var startedPostgres = TestPostgres.Start();
        int code;
        try
        {
            code = TestLanes.Run(TestLanes.Discover(), testArgs, new()
            {
                ["VIGIL_AGENT_AOT"] = agent,
                ["VIGIL_AGENT_PACKAGE"] = package,
                ["VIGIL_AGENT_AOT_ARM64"] = arm64Agent,
                ["VIGIL_AGENT_PACKAGE_ARM64"] = arm64Package,
                ["VIGIL_TEST_PG"] = TestPostgres.ConnectionString,
            }, lanes, recordDurations: filter is null);
        }
        finally
        {
            if (startedPostgres)
            {
                TestPostgres.Stop();
            }
        }
        var (passed, failed, skipped) = TrxSummary.Read(results);
        // The plain closing line that any CI reader understands.
        Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        return code != 0 || failed > 0 || passed == 0 ? 1 : 0;
    }
}

internal sealed class BuildException(string message) : Exception(message);

internal static class Options
{
    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

internal static class Paths
{
    public static readonly string Root = FindRoot();
    public static string Solution => Path.Combine(Root, "Agent.sln");
    public static string Artifacts => Path.Combine(Root, "artifacts");

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Agent.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new BuildException("cannot find Agent.sln above the build program");
    }
}

internal static class TrxSummary
{
    public static (int Passed, int Failed, int Skipped) Read(string dir)
    {
        int passed = 0, failed = 0, skipped = 0;
        if (!Directory.Exists(dir))
        {
            return (0, 0, 0);
        }
        foreach (var file in Directory.EnumerateFiles(dir, "*.trx", SearchOption.AllDirectories))
        {
            var counters = XDocument.Load(file).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
            if (counters is null)
            {
                continue;
            }
            int Get(string name) => int.TryParse(counters.Attribute(name)?.Value, out var v) ? v : 0;
            passed += Get("passed");
            failed += Get("failed") + Get("error") + Get("timeout") + Get("aborted");
            skipped += Get("notExecuted");
        }
        return (passed, failed, skipped);
    }
}

internal static class Shell
{
    public static int Run(string file, IEnumerable<string> args, Dictionary<string, string>? env = null, bool check = true, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd ?? Paths.Root };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? [])
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new BuildException($"cannot start {file}");
        p.WaitForExit();
        if (check && p.ExitCode != 0)
        {
            throw new BuildException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}");
        }
        return p.ExitCode;
    }

    /// <summary>Runs and captures stdout and stderr together, echoing nothing.</summary>
    public static (int Code, string Output) Capture(string file, IEnumerable<string> args, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = cwd ?? Paths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new BuildException($"cannot start {file}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    public static bool Exists(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, command)));
}
