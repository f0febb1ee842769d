using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Vigil.Stack;

/// <summary>A vigil-relay started as its own process on loopback ports, for a benchmark or a test.</summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private RelayProcess(Process process, string dir, IPEndPoint agentEndPoint, int apiPort)
    {
        _process = process;
        _dir = dir;
        AgentEndPoint = agentEndPoint;
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
    }

    public IPEndPoint AgentEndPoint { get; }
    public HttpClient Api { get; }
    public int Pid => _process.Id;
    public string KeyFile => Path.Combine(_dir, "relay.key");
    public string LogFile => Path.Combine(_dir, "relay.log");
    public byte[] PublicKey { get; private set; } = [];

    /// <summary>
    /// Starts a relay on fresh ports (or the given API port, for a node registered ahead of its
    /// start), taking agents on loopback or on <paramref name="agentAddress"/> (an address other
    /// network namespaces reach); its API stays on loopback.
    /// </summary>
    public static async Task<RelayProcess> StartAsync(string relayDll, IEnumerable<string> extraArgs, string? dir = null, int? apiPort = null,
        IPAddress? agentAddress = null)
    {
        dir ??= Directory.CreateTempSubdirectory("vigil-relay-").FullName;
        var agentEndPoint = new IPEndPoint(agentAddress ?? IPAddress.Loopback, FreePort());
        var agentPort = agentEndPoint.Port;
        apiPort ??= FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[relayDll, "--listen", agentEndPoint.ToString(), "--api-listen", $"127.0.0.1:{apiPort}",
                     "--key-file", Path.Combine(dir, "relay.key"), "--api-token-file", Path.Combine(dir, "api.token"), "--node-id", $"relay-{agentPort}"])
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in extraArgs)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the relay");
        var log = new StreamWriter(Path.Combine(dir, "relay.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var relay = new RelayProcess(process, dir, agentEndPoint, apiPort.Value);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await relay.Api.GetAsync("/healthz").ConfigureAwait(false)).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        var token = (await File.ReadAllTextAsync(Path.Combine(dir, "api.token")).ConfigureAwait(false)).Trim();
        relay.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var keyLine = File.ReadAllLines(Path.Combine(dir, "relay.key")).First(l => l.StartsWith("public ", StringComparison.Ordinal));
        relay.PublicKey = Convert.FromBase64String(keyLine[7..]);
        return relay;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The resident set of the relay process, in bytes (from /proc).</summary>
    public long ResidentBytes() => ProcStatus.ResidentBytes(_process.Id);

    public async Task<long> SessionsAsync()
    {
        var metrics = await Api.GetStringAsync("/metrics").ConfigureAwait(false);
        var line = metrics.Split('\n').First(l => l.StartsWith("vigil_relay_sessions ", StringComparison.Ordinal));
        return long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Api.Dispose();
        await ChildProcess.StopAsync(_process).ConfigureAwait(false);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class ProcStatus
{
    public static long ResidentBytes(int pid) => Field(pid, "VmRSS:");

    public static long PeakResidentBytes(int pid) => Field(pid, "VmHWM:");

    private static long Field(int pid, string name)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>User plus system CPU time of a process, from /proc/PID/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
