using System.Diagnostics;
using System.Globalization;

namespace Vigil.Build;

/// <summary>
/// Runs the test projects side by side in a few lanes, longest first. Most suites spend their time
/// waiting on real processes (a keyframe, a browser, a relay's reconnect), not on the CPU, and
/// `dotnet test Agent.sln` runs only as many projects at once as there are cores, in solution order:
/// the longest suite started last and the run ended with one lane busy. Each project's output goes to
/// its own log, printed when the project ends, so the CI log stays readable.
/// </summary>
internal static class TestLanes
{
    /// <summary>Until a run has recorded durations, the suite known to be longest starts first.</summary>
    private const string LongestWithoutHistory = "Vigil.Portal.Tests";

    /// <param name="recordDurations">False for a filtered run, whose durations say nothing of a whole one.</param>
    public static int Run(IReadOnlyList<string> projects, IReadOnlyList<string> testArgs, Dictionary<string, string> env, int lanes, bool recordDurations)
    {
        var history = Path.Combine(Paths.Artifacts, "test-durations.tsv");
        var logs = Path.Combine(Paths.Artifacts, "test-logs");
        Directory.CreateDirectory(logs);
        var previous = ReadDurations(history);
        // A suite that judges timing on the machine's clock (the media path's timestamps under a loaded
        // CPU) says so in its project (<VigilTestAlone>true</VigilTestAlone>) and runs before the lanes, alone.
        var alone = projects.Where(RunsAlone).ToList();
        var failed = 0;
        var durations = new Dictionary<string, double>(previous);
        foreach (var project in alone)
        {
            var (code, seconds) = RunAndReport(project, testArgs, env, logs);
            durations[Name(project)] = seconds;
            failed += code == 0 ? 0 : 1;
        }
        var queue = new Queue<string>(projects.Except(alone)
            .OrderByDescending(p => previous.TryGetValue(Name(p), out var s) ? s : Name(p) == LongestWithoutHistory ? double.MaxValue : 0)
            .ThenBy(p => p, StringComparer.Ordinal));
        Console.WriteLine($"running {queue.Count} test projects in {lanes} lanes: {string.Join(", ", queue.Select(Name))}");
        var gate = new object();
        var workers = Enumerable.Range(0, lanes).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                string project;
                lock (gate)
                {
                    if (!queue.TryDequeue(out project!))
                    {
                        return;
                    }
                }
                var log = Path.Combine(logs, Name(project) + ".log");
                var watch = Stopwatch.StartNew();
                var code = await RunOneAsync(project, testArgs, env, log).ConfigureAwait(false);
                watch.Stop();
                lock (gate)
                {
                    durations[Name(project)] = watch.Elapsed.TotalSeconds;
                    failed += code == 0 ? 0 : 1;
                    Report(project, code, watch.Elapsed.TotalSeconds, log);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        if (recordDurations)
        {
            File.WriteAllLines(history, durations.OrderBy(d => d.Key, StringComparer.Ordinal)
                .Select(d => $"{d.Key}\t{d.Value.ToString("0", CultureInfo.InvariantCulture)}"));
        }
        return failed == 0 ? 0 : 1;
    }

    private static (int Code, double Seconds) RunAndReport(string project, IReadOnlyList<string> testArgs, Dictionary<string, string> env, string logs)
    {
        Console.WriteLine($"running {Name(project)} alone");
        var log = Path.Combine(logs, Name(project) + ".log");
        var watch = Stopwatch.StartNew();
        var code = RunOneAsync(project, testArgs, env, log).GetAwaiter().GetResult();
        Report(project, code, watch.Elapsed.TotalSeconds, log);
        return (code, watch.Elapsed.TotalSeconds);
    }

    /// <summary>A failing project's whole log, so the CI reader sees which test and why; a passing one's summary.</summary>
    private static void Report(string project, int code, double seconds, string log)
    {
        var text = File.ReadAllLines(log);
        var shown = code == 0 ? text.Where(l => l.Contains(" - Failed: ", StringComparison.Ordinal) || l.StartsWith("Passed!", StringComparison.Ordinal)) : text;
        Console.WriteLine($"--- {Name(project)}: exit {code} after {seconds:0} s (log: {log})");
        foreach (var line in shown)
        {
            Console.WriteLine(line);
        }
    }

    private static bool RunsAlone(string project) =>
        File.ReadAllText(project).Contains("<VigilTestAlone>true</VigilTestAlone>", StringComparison.Ordinal);

    /// <summary>Every test project under tests/ (a name ending in .Tests), each built by the solution.</summary>
    public static IReadOnlyList<string> Discover() =>
        Directory.EnumerateDirectories(Path.Combine(Paths.Root, "tests"))
            .Select(d => Path.Combine(d, Path.GetFileName(d) + ".csproj"))
            .Where(p => File.Exists(p) && Path.GetFileNameWithoutExtension(p).EndsWith(".Tests", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();

    private static async Task<int> RunOneAsync(string project, IReadOnlyList<string> testArgs, Dictionary<string, string> env, string log)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Paths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("test");
        psi.ArgumentList.Add(project);
        psi.ArgumentList.Add("--no-build");
        foreach (var a in testArgs)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        await using var file = new StreamWriter(log) { AutoFlush = true };
        using var p = Process.Start(psi) ?? throw new BuildException($"cannot start dotnet test {project}");
        var sink = new SemaphoreSlim(1, 1);
        async Task CopyAsync(StreamReader from)
        {
            while (await from.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                await sink.WaitAsync().ConfigureAwait(false);
                try
                {
                    await file.WriteLineAsync(line).ConfigureAwait(false);
                }
                finally
                {
                    sink.Release();
                }
            }
        }
        await Task.WhenAll(CopyAsync(p.StandardOutput), CopyAsync(p.StandardError)).ConfigureAwait(false);
        await p.WaitForExitAsync().ConfigureAwait(false);
        return p.ExitCode;
    }

    private static Dictionary<string, double> ReadDurations(string path)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return result;
        }
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            {
                result[parts[0]] = s;
            }
        }
        return result;
    }

    private static string Name(string project) => Path.GetFileNameWithoutExtension(project);
}
