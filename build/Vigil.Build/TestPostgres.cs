namespace Vigil.Build;

/// <summary>
/// A private PostgreSQL server for the tests: its own data directory under artifacts/, its own port,
/// trust authentication on loopback only, no fsync (test data need not survive a power cut). Made
/// with Debian's initdb and pg_ctl; as root they run as the postgres user, which Debian's package makes.
/// </summary>
internal static class TestPostgres
{
    public const int Port = 55432;
    public static string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";

    /// <summary>Under /tmp, which the postgres user can always reach (a checkout under /root it cannot).</summary>
    private static string DataDir => Path.Combine(Path.GetTempPath(), "vigil-test-postgres");

    /// <summary>Starts the server; false when it was already running (then it is left running afterwards too).</summary>
    public static bool Start()
    {
        if (Listening())
        {
            Console.WriteLine($"using the PostgreSQL already listening on 127.0.0.1:{Port}");
            return false;
        }
        var bin = FindBin() ?? throw new BuildException("PostgreSQL's pg_ctl not found (apt-get install postgresql)");
        var root = Environment.UserName == "root";
        if (!File.Exists(Path.Combine(DataDir, "PG_VERSION")))
        {
            if (Directory.Exists(DataDir))
            {
                Directory.Delete(DataDir, recursive: true);
            }
            Directory.CreateDirectory(DataDir);
            if (root)
            {
                Shell.Run("chown", ["postgres:postgres", DataDir]);
            }
            Run(root, Path.Combine(bin, "initdb"), ["-D", DataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
        }
        if (Run(root, Path.Combine(bin, "pg_ctl"), ["-D", DataDir, "status"], check: false) == 0)
        {
            return false;
        }
        Console.WriteLine($"starting PostgreSQL for the tests on 127.0.0.1:{Port}");
        Run(root, Path.Combine(bin, "pg_ctl"),
        [
            "-D", DataDir, "-w", "-t", "60", "-l", Path.Combine(DataDir, "server.log"), "start",
            "-o", $"-p {Port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
        ]);
        return true;
    }

    public static void Stop()
    {
        var bin = FindBin();
        if (bin is not null && File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            Run(Environment.UserName == "root", Path.Combine(bin, "pg_ctl"), ["-D", DataDir, "-m", "fast", "stop"], check: false);
        }
    }

    private static bool Listening()
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            tcp.Connect(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static int Run(bool asPostgres, string file, string[] args, bool check = true) =>
        asPostgres ? Shell.Run("runuser", ["-u", "postgres", "--", file, .. args], check: check) : Shell.Run(file, args, check: check);

    private static string? FindBin()
    {
        const string lib = "/usr/lib/postgresql";
        if (!Directory.Exists(lib))
        {
            return null;
        }
        return Directory.GetDirectories(lib)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
