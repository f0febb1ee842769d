using System.Diagnostics;
using Vigil.Stack;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// A PostgreSQL server of a test's own (its own data directory under /tmp and its own port), for the
/// faults that stop or kill the server: the shared test server other suites use is never touched.
/// Made with Debian's initdb and pg_ctl; as root they run as the postgres user.
/// </summary>
internal sealed class OwnPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private OwnPostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5";

    /// <summary>The server's programs, or null when PostgreSQL is not installed.</summary>
    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;

    /// <summary>initdb, start, and a database named <paramref name="database"/>.</summary>
    public static async Task<OwnPostgres> StartAsync(string database)
    {
        var bin = FindBin() ?? throw new InvalidOperationException("PostgreSQL's pg_ctl not found (apt-get install postgresql)");
        var dir = Path.Combine(Path.GetTempPath(), "vigil-fault-pg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        if (Environment.UserName == "root")
        {
            Run("chown", ["postgres:postgres", dir]);
        }
        var pg = new OwnPostgres(bin, dir, RelayProcess.FreePort());
        pg.As(Path.Combine(bin, "initdb"), ["-D", dir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
        await pg.StartAgainAsync();
        pg.As(Path.Combine(bin, "createdb"), ["-h", "127.0.0.1", "-p", pg.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", database]);
        return pg;
    }

    /// <summary>Starts the server (again); after a kill, until the old processes have let go of its shared memory.</summary>
    public async Task StartAgainAsync()
    {
        var options = $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100";
        for (var attempt = 0; ; attempt++)
        {
            if (As(Path.Combine(_bin, "pg_ctl"), ["-D", _dir, "-w", "-t", "30", "-l", Path.Combine(_dir, "server.log"), "start", "-o", options], check: false) == 0)
            {
                return;
            }
            if (attempt == 10)
            {
                throw new InvalidOperationException("PostgreSQL did not start again:\n" + File.ReadAllText(Path.Combine(_dir, "server.log")));
            }
            await Task.Delay(500);
        }
    }

    /// <summary>A clean restart's first half: pg_ctl stop -m fast (clients are disconnected, the server shuts down).</summary>
    public void StopFast() => As(Path.Combine(_bin, "pg_ctl"), ["-D", _dir, "-m", "fast", "-w", "stop"]);

    /// <summary>SIGKILL to the postmaster, as a crash or an OOM kill would; its backends follow it.</summary>
    public async Task KillAsync()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(_dir, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        _ = Posix.Kill(pid, Posix.SigKill);
        while (Directory.Exists($"/proc/{pid}"))
        {
            await Task.Delay(50);
        }
    }

    private int As(string file, string[] args, bool check = true) =>
        Environment.UserName == "root" ? Run("runuser", ["-u", "postgres", "--", file, .. args], check) : Run(file, args, check);

    private static int Run(string file, string[] args, bool check = true)
    {
        var (code, output) = AgentProcess.RunToEnd(file, args);
        if (check && code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {code}: {output}");
        }
        return code;
    }

    public ValueTask DisposeAsync()
    {
        As(Path.Combine(_bin, "pg_ctl"), ["-D", _dir, "-m", "immediate", "stop"], check: false);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
