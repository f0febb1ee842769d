using System.Diagnostics;
using System.Globalization;

namespace Vigil.LoadTool;

/// <summary>
/// `vigil-load bench startup --portal-dll PATH [--starts N] [--against PATH]`: how long vigil-portal takes from
/// its process start to its first answer (GET /healthz, 200), the median of N starts each: on a
/// new SQLite file (the first start: migrations and the first admin) and again on that file (a
/// restart). Also how long `vigil-portal --help` takes to print and exit: the command line's own
/// cost, with nothing else started. Each start is a new `dotnet vigil-portal.dll` process, as ops
/// start it, polled every 5 ms.
/// </summary>
public static class StartupBench
{
    /// <param name="against">Another build of vigil-portal (the one before a change), started in turn
    /// with this one, round by round, so that both see the same load of a shared machine; or empty.</param>
    public static async Task RunAsync(string portalDll, int starts, string against)
    {
        string[] builds = against.Length > 0 ? [portalDll, against] : [portalDll];
        foreach (var dll in builds.Where(d => !File.Exists(d)))
        {
            throw new InvalidOperationException($"no portal at '{dll}' (--portal-dll PATH, --against PATH)");
        }
        Figure("loadavg_at_start", File.ReadAllText("/proc/loadavg").Trim());
        var dir = Directory.CreateTempSubdirectory("vigil-bench-startup-").FullName;
        try
        {
            var help = builds.Select(_ => new List<double>()).ToArray();
            var first = builds.Select(_ => new List<double>()).ToArray();
            var again = builds.Select(_ => new List<double>()).ToArray();
            for (var i = 0; i < starts; i++)
            {
                // Each round in turn starts with the other build: neither always runs on a warmer cache.
                for (var k = 0; k < builds.Length; k++)
                {
                    var b = (i + k) % builds.Length;
                    help[b].Add(await HelpAsync(builds[b]).ConfigureAwait(false));
                    var database = Path.Combine(dir, $"portal-{b}-{i}.db");
                    first[b].Add(await FirstAnswerAsync(builds[b], database).ConfigureAwait(false));
                    again[b].Add(await FirstAnswerAsync(builds[b], database).ConfigureAwait(false));
                }
            }
            for (var b = 0; b < builds.Length; b++)
            {
                var prefix = b == 0 ? "" : "against_";
                Report(prefix + "help_exit_ms", help[b]);
                Report(prefix + "first_start_to_first_answer_ms", first[b]);
                Report(prefix + "restart_to_first_answer_ms", again[b]);
            }
            Figure("loadavg_at_end", File.ReadAllText("/proc/loadavg").Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> HelpAsync(string portalDll)
    {
        var clock = Stopwatch.StartNew();
        var (code, stdout, stderr) = await ProgramRun.RunAsync(portalDll, ["--help"]).ConfigureAwait(false);
        var ms = clock.Elapsed.TotalMilliseconds;
        if (code != 0 || !(stdout + stderr).Contains("--database", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"vigil-portal --help exited with {code} without its help");
        }
        return ms;
    }

    private static async Task<double> FirstAnswerAsync(string portalDll, string database)
    {
        var port = RelayProcess.FreePort();
        var psi = Start(portalDll, ["run", "--listen", $"http://127.0.0.1:{port}", "--database", database, "--password-iterations", "10000",
            "--data-dir", Path.GetDirectoryName(database)!]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the portal");
        // Read, not kept: a full pipe would stall the portal's start.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                try
                {
                    using var response = await http.GetAsync("/healthz").ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }
                if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"vigil-portal did not answer within 60 s (exited: {process.HasExited})");
                }
                await Task.Delay(5).ConfigureAwait(false);
            }
        }
        finally
        {
            // Stopped as ops stop it (SIGTERM), so that the restart finds a cleanly closed database.
            _ = Posix.Kill(process.Id, Posix.SigTerm);
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await ChildProcess.StopAsync(process).ConfigureAwait(false);
        }
    }

    private static ProcessStartInfo Start(string portalDll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(portalDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }

    private static void Report(string name, List<double> ms)
    {
        var sorted = ms.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        Figure(name, string.Create(CultureInfo.InvariantCulture, $"median {median:F0} (min {sorted[0]:F0}, max {sorted[^1]:F0}, n={sorted.Length})"));
    }

    private static void Figure(string name, string value) => Console.WriteLine($"{name}: {value}");
}
