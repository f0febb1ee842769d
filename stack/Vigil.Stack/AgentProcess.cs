using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Vigil.Stack;

/// <summary>
/// A real vigil-agent process (the NativeAOT binary, or "dotnet vigil-agent.dll"), with its own
/// state directory and config, and its log kept for assertions.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AgentProcess(Process process, string stateDir, string configPath)
    {
        _process = process;
        StateDir = stateDir;
        ConfigPath = configPath;
    }

    public string StateDir { get; }
    public string ConfigPath { get; }
    public int Pid => _process.Id;
    public string DeviceId { get; private set; } = "";
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

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

    /// <summary>Runs a program to its end; its exit code, and its standard output and error together.</summary>
    public static (int Code, string Output) RunToEnd(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    /// <summary>
    /// Writes a config for one relay (serial BENCH0001 unless <paramref name="configure"/> sets
    /// another, with what else it sets) and starts the agent; waits until the relay lists it.
    /// </summary>
    public static async Task<AgentProcess> StartAsync(string binary, RelayProcess relay, IReadOnlyCollection<int> tunnelPorts, Action<AgentConfigFile>? configure = null)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-agent-").FullName;
        var config = AgentConfigFile.For(relay, Path.Combine(dir, "state"));
        config.Serial = "BENCH0001";
        config.TunnelPorts.AddRange(tunnelPorts);
        configure?.Invoke(config);
        var agent = Start(binary, dir, config);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var id = agent.ReadDeviceId();
            if (id is not null && (await relay.Api.GetStringAsync($"/v1/sessions").ConfigureAwait(false)).Contains(id, StringComparison.Ordinal))
            {
                agent.DeviceId = id;
                return agent;
            }
            if (DateTime.UtcNow > deadline || agent.HasExited)
            {
                var log = agent.Log;
                await agent.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"the agent did not appear on the relay; its log:\n{log}");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the config to dir/agent.conf and starts the agent on it, without waiting for anything.</summary>
    public static AgentProcess Start(string binary, string dir, AgentConfigFile config, string command = "run") =>
        StartOnFile(binary, config.Write(Path.Combine(dir, AgentConfigFile.FileName)), config.StateDir, command);

    /// <summary>Starts the agent on a config file already written (an agent restarted on its own), without waiting for anything.</summary>
    public static AgentProcess StartOnFile(string binary, string configPath, string stateDir, string command = "run")
    {
        var argv = CommandLine(binary, command, configPath);
        var psi = new ProcessStartInfo(argv[0]);
        foreach (var a in argv[1..])
        {
            psi.ArgumentList.Add(a);
        }
        return Launch(psi, stateDir, configPath);
    }

    /// <summary>The command line that runs the agent (the binary, or "dotnet vigil-agent.dll") on a config, program first.</summary>
    public static string[] CommandLine(string binary, string command, string configPath) =>
        binary.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", binary, command, "--config", configPath] : [binary, command, "--config", configPath];

    /// <summary>
    /// Starts an agent through a command of the caller's (a wrapper such as prlimit, or chroot
    /// into a root), keeping its log. The wrapper must exec the agent, so that signals reach it.
    /// </summary>
    public static AgentProcess Launch(ProcessStartInfo psi, string stateDir, string configPath)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var agent = new AgentProcess(process, stateDir, configPath);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public string? ReadDeviceId()
    {
        var path = Path.Combine(StateDir, "agent.id");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Posix.Kill(_process.Id, Posix.SigTerm);
        }
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync() => await ChildProcess.StopAsync(_process).ConfigureAwait(false);
}

public static partial class Posix
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    public const int SigStop = 19;
    public const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
