using System.Diagnostics;
using System.Text.Json;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>What the firmware tests share: preconditions, the package under test, configs, the relay's view.</summary>
internal static class FirmwareEnv
{
    public const UnixFileMode Mode755 = (UnixFileMode)0b111_101_101;
    public const UnixFileMode Mode555 = (UnixFileMode)0b101_101_101;
    public const UnixFileMode Mode644 = (UnixFileMode)0b110_100_100;

    /// <summary>These tests run the NativeAOT binary (what cameras get) as root (chroot, mounts, other users).</summary>
    public static void RequireAotAgentAndRoot()
    {
        if (!TestEnv.AgentIsAot)
        {
            Assert.Ignore("needs the NativeAOT agent (./build.sh test publishes it)");
        }
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root: chroot, mounts and running as another user");
        }
    }

    /// <summary>The installer's package: VIGIL_AGENT_PACKAGE (set by ./build.sh test), else the newest linux-x64 one in artifacts/packages.</summary>
    public static string Package
    {
        get
        {
            var set = Environment.GetEnvironmentVariable("VIGIL_AGENT_PACKAGE");
            if (!string.IsNullOrEmpty(set) && File.Exists(set))
            {
                return set;
            }
            var dir = Path.Combine(TestEnv.Root, "artifacts", "packages");
            var newest = Directory.Exists(dir)
                ? Directory.GetFiles(dir, "vigil-agent-*-linux-x64.tar.gz").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                : null;
            if (newest is null)
            {
                Assert.Fail("no package: run ./build.sh test (or ./build.sh package-agent)");
            }
            return newest!;
        }
    }

    /// <summary>
    /// The linux-arm64 agent: VIGIL_AGENT_AOT_ARM64 (set by ./build.sh test), else what
    /// `./build.sh publish-agent --rid linux-arm64` left in artifacts/agent. A required target: no skip.
    /// </summary>
    public static string Arm64Agent => Required("VIGIL_AGENT_AOT_ARM64", Path.Combine(TestEnv.Root, "artifacts", "agent", "linux-arm64", "vigil-agent"),
        "./build.sh publish-agent --rid linux-arm64");

    /// <summary>The linux-arm64 package: VIGIL_AGENT_PACKAGE_ARM64, else the newest in artifacts/packages.</summary>
    public static string Arm64Package
    {
        get
        {
            var dir = Path.Combine(TestEnv.Root, "artifacts", "packages");
            var newest = Directory.Exists(dir)
                ? Directory.GetFiles(dir, "vigil-agent-*-linux-arm64.tar.gz").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                : null;
            return Required("VIGIL_AGENT_PACKAGE_ARM64", newest ?? "", "./build.sh package-agent --rid linux-arm64");
        }
    }

    private static string Required(string variable, string fallback, string howToMake)
    {
        var path = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set : fallback;
        if (!File.Exists(path))
        {
            Assert.Fail($"linux-arm64 is a required camera build: set {variable} or run {howToMake} (./build.sh test does both)");
        }
        return path;
    }

    /// <summary>The build program as build.sh runs it (./build.sh builds it there first).</summary>
    public static string BuildTool
    {
        get
        {
            var dll = Path.Combine(TestEnv.Root, "artifacts", "build-tool", "Vigil.Build.dll");
            if (!File.Exists(dll))
            {
                Assert.Fail($"{dll} is missing: run the tests through ./build.sh test");
            }
            return dll;
        }
    }

    /// <summary>A config for one relay, with what <paramref name="more"/> sets.</summary>
    public static AgentConfigFile Config(RelayProcess relay, string stateDir, string serial, Action<AgentConfigFile>? more = null)
    {
        var config = AgentConfigFile.For(relay, stateDir);
        config.Serial = serial;
        more?.Invoke(config);
        return config;
    }

    /// <summary>A config for no relay that answers (the discard port, a key of zeros): for commands that do not dial.</summary>
    public static AgentConfigFile Offline(string stateDir) => new()
    {
        Relays = { new AgentRelayLine("127.0.0.1:9") }, RelayKey = Convert.ToBase64String(new byte[32]), StateDir = stateDir,
    };

    /// <summary>Waits until the relay lists a session with this serial; returns its session id, or null.</summary>
    public static async Task<string?> SessionOf(RelayProcess relay, string serial, TimeSpan? timeout = null)
    {
        string? session = null;
        await TestEnv.WaitUntil(async () => (session = await CurrentSession(relay, serial)) is not null, timeout ?? TimeSpan.FromSeconds(20));
        return session;
    }

    public static async Task<string?> CurrentSession(RelayProcess relay, string serial)
    {
        using var sessions = JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/sessions"));
        return sessions.RootElement.EnumerateArray()
            .Where(s => s.GetProperty("serial").GetString() == serial)
            .Select(s => s.GetProperty("session_id").GetString())
            .FirstOrDefault();
    }

    /// <summary>Starts the agent binary through a wrapper command (prlimit, setpriv, unshare...), which must exec it.</summary>
    public static AgentProcess Start(string dir, AgentConfigFile config, string[] wrapper, Dictionary<string, string>? environment = null, string? binary = null)
    {
        binary ??= TestEnv.Agent;
        var configPath = config.Write(Path.Combine(dir, AgentConfigFile.FileName));
        var psi = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : binary);
        foreach (var a in wrapper.Skip(1).Concat(wrapper.Length > 0 ? [binary] : []).Concat(["run", "--config", configPath]))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? [])
        {
            psi.Environment[k] = v;
        }
        return AgentProcess.Launch(psi, Path.Combine(dir, "state"), configPath);
    }

    /// <summary>A temporary directory other users can enter (the default is 0700).</summary>
    public static string OpenTempDir()
    {
        var dir = TestEnv.TempDir();
        File.SetUnixFileMode(dir, Mode755);
        return dir;
    }
}
