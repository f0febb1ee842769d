using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Vigil.Stack;

/// <summary>
/// A vigil-portal started as its own process on a loopback port, as it runs in production (its own
/// runtime settings, server GC), so that its memory is its own; logged in as the first admin.
/// </summary>
public sealed partial class PortalProcess : IStackPortal
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private PortalProcess(Process process, int port)
    {
        _process = process;
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>An HTTP client with the first admin's session.</summary>
    public HttpClient Api { get; }

    /// <summary>The first admin's password, as the first start printed it (for a demo to hand on to its user, or another instance on the same database).</summary>
    public string AdminPassword { get; private set; } = "";
    public int Pid => _process.Id;

    /// <summary>What the portal has printed, its admin password masked.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The address it serves.</summary>
    public Uri BaseAddress => Api.BaseAddress!;

    /// <param name="database">A SQLite file path or a PostgreSQL connection string, with no schema yet (or, with <paramref name="sharing"/>, that instance's).</param>
    /// <param name="environment">Extra environment variables (a GC heap limit, say).</param>
    /// <param name="extraArgs">Further options of "vigil-portal run" (an embedded relay, a data directory).</param>
    /// <param name="port">The HTTP port, or 0 for a free one.</param>
    /// <param name="sharing">Another instance already running on this database (a cluster): its admin logs in here too.</param>
    public static async Task<PortalProcess> StartAsync(string portalDll, string database, IReadOnlyDictionary<string, string>? environment = null,
        IEnumerable<string>? extraArgs = null, int port = 0, PortalProcess? sharing = null)
    {
        port = port == 0 ? RelayProcess.FreePort() : port;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[portalDll, "run", "--listen", $"http://127.0.0.1:{port}", "--database", database, "--password-iterations", "10000", .. extraArgs ?? []])
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the portal");
        var password = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var portal = new PortalProcess(process, port);
        if (sharing is not null)
        {
            password.TrySetResult(sharing.AdminPassword);
        }
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }
            // The first start prints the admin's one-time password once; it is kept out of the log.
            if (PasswordLine().Match(line) is { Success: true } m)
            {
                password.TrySetResult(m.Groups[1].Value);
                line = PasswordLine().Replace(line, "with the password ***");
            }
            lock (portal._log)
            {
                portal._log.AppendLine(line);
            }
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // A portal that cannot start (its port taken, a bad option) exits: said at once, not after the wait.
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(password.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false) != password.Task)
            {
                throw new InvalidOperationException(exited.IsCompleted
                    ? $"vigil-portal exited with {process.ExitCode} before it was ready:\n{portal.Log}"
                    : $"vigil-portal printed no admin password within 60 s:\n{portal.Log}");
            }
            var secret = await password.Task.ConfigureAwait(false);
            portal.AdminPassword = secret;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpResponseMessage login;
            while (true)
            {
                try
                {
                    login = await portal.Api.PostAsJsonAsync("/api/v1/auth/login", new { login = "admin", password = secret }).ConfigureAwait(false);
                    break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(100).ConfigureAwait(false);
                }
            }
            login.EnsureSuccessStatusCode();
            var token = JsonNode.Parse(await login.Content.ReadAsStringAsync().ConfigureAwait(false))!["token"]!.GetValue<string>();
            portal.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return portal;
        }
        catch
        {
            await portal.DisposeAsync().ConfigureAwait(false);
            Console.Error.WriteLine(portal.Log);
            throw;
        }
    }

    public long ResidentBytes() => ProcStatus.ResidentBytes(_process.Id);

    public long PeakResidentBytes() => ProcStatus.PeakResidentBytes(_process.Id);

    public TimeSpan CpuTime() => ProcStatus.CpuTime(_process.Id);

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await ChildProcess.StopAsync(_process).ConfigureAwait(false);
    }

    [GeneratedRegex(@"with the password (\S+)")]
    private static partial Regex PasswordLine();
}
