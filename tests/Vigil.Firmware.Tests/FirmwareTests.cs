using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Vigil.Stack;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Api;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// What camera firmware does to a program, done for real to the NativeAOT agent: a read-only root,
/// a state directory it cannot write, the clock at 1970 until NTP sets it, few open files.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FirmwareTests
{
    [SetUp]
    public void Preconditions() => FirmwareEnv.RequireAotAgentAndRoot();

    [Test]
    public async Task TheAgentRunsFromAReadOnlyRootAndKeepsItsIdentityInTheWritableStateDirectory()
    {
        await using var relay = await TestEnv.StartRelayAsync();
        var root = MinimalRoot.Create(busybox: true);
        root.CopyIn(TestEnv.Agent, "/usr/bin/vigil-agent", FirmwareEnv.Mode755);
        Directory.CreateDirectory(root.Combine("/var/lib/vigil-agent"));
        FirmwareEnv.Config(relay, "/var/lib/vigil-agent", "RO-ROOT").Write(root.Combine("/etc/vigil/agent.conf"));
        var rootBefore = Snapshot(root.Path);
        // The writable state directory is a folder of the host bound over the read-only root's
        // /var/lib/vigil-agent, as firmware mounts a data partition there.
        var state = TestEnv.TempDir();
        var psi = root.ReadOnlyChroot(state, "/usr/bin/vigil-agent", "run", "--config", "/etc/vigil/agent.conf");
        await using var agent = AgentProcess.Launch(psi, state, root.Combine("/etc/vigil/agent.conf"));

        Assert.That(await FirmwareEnv.SessionOf(relay, "RO-ROOT"), Is.Not.Null, agent.Log);
        var id = File.ReadAllText(Path.Combine(state, "agent.id")).Trim();
        Assert.That(await TestEnv.Listed(relay, id), Is.True);
        Assert.That(File.Exists(Path.Combine(state, "agent.key")), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(state, "status")), Does.Contain("state=connected"));
        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(0), agent.Log);
        Assert.That(agent.Log, Does.Not.Contain("the root is writable").And.Not.Contain("warn"), "nothing may be written outside the state directory");
        Assert.That(Snapshot(root.Path), Is.EqualTo(rootBefore), "the read-only root must be as it was");
    }

    [TestCase(true, TestName = "AStateDirectoryItCannotWriteIsExit78WithTheReason")]
    [TestCase(false, TestName = "AStateDirectoryItCannotCreateIsExit78WithTheReason")]
    public void AnUnwritableStateDirectoryIsAClearErrorNotACrash(bool exists)
    {
        // As an unprivileged user (root would write anyway): the directory, or its parent, is root's and read-only.
        var dir = FirmwareEnv.OpenTempDir();
        var agent = Path.Combine(dir, "vigil-agent");
        File.Copy(TestEnv.Agent, agent);
        var parent = Path.Combine(dir, "data");
        Directory.CreateDirectory(parent);
        var state = Path.Combine(parent, "vigil");
        if (exists)
        {
            Directory.CreateDirectory(state);
            File.SetUnixFileMode(state, FirmwareEnv.Mode555);
        }
        else
        {
            File.SetUnixFileMode(parent, FirmwareEnv.Mode555);
        }
        // Readable by all: the agent runs as nobody here, and must fail on its state directory, not on its config.
        var config = FirmwareEnv.Offline(state).Write(Path.Combine(dir, AgentConfigFile.FileName), FirmwareEnv.Mode644);

        var watch = Stopwatch.StartNew();
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", agent, "run", "--config", config]);

        Assert.That(code, Is.EqualTo(78), output);
        Assert.That(output, Does.Contain(exists ? $"cannot write the key to {state}" : $"cannot create the state directory {state}"));
        Assert.That(output, Does.Not.Contain("Unhandled").And.Not.Contain("   at "), "a message, not a stack trace");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "it must stop at once, not retry");
        Assert.That(File.Exists(Path.Combine(state, "agent.key")), Is.False);
    }

    [Test]
    public void AStateDirectoryOnAReadOnlyMountIsExit78WithTheReason()
    {
        // Root is stopped by a read-only mount, not by permissions: the firmware that forgot to mount its data partition.
        var dir = TestEnv.TempDir();
        var state = Path.Combine(dir, "state");
        Directory.CreateDirectory(state);
        var config = FirmwareEnv.Offline(state).Write(Path.Combine(dir, AgentConfigFile.FileName));
        const string script = """
            set -e
            mount --bind "$1" "$1"
            mount -o remount,bind,ro "$1"
            exec "$2" run --config "$3"
            """;
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), "unshare",
            ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", state, TestEnv.Agent, config]);

        Assert.That(code, Is.EqualTo(78), output);
        Assert.That(output, Does.Contain($"cannot write the key to {state}").And.Contain("Read-only file system"));
        Assert.That(Directory.GetFiles(state), Is.Empty);
    }

    [Test]
    public async Task TheHandshakeWorksWithTheClockAt1970AndTheLinkSurvivesNtpSettingIt()
    {
        // Debian keeps it in the multiarch folder: /usr/lib/x86_64-linux-gnu/faketime.
        var libfaketime = Directory.GetDirectories("/usr/lib").Select(d => Path.Combine(d, "faketime", "libfaketime.so.1")).FirstOrDefault(File.Exists);
        Assert.That(libfaketime, Is.Not.Null, "libfaketime (Debian package faketime) is needed; ./build.sh test installs it");
        await using var relay = await TestEnv.StartRelayAsync("--heartbeat-interval", "1", "--heartbeat-timeout", "3");
        var dir = TestEnv.TempDir();
        var clock = Path.Combine(dir, "clock");
        // A camera after a power cut: the wall clock starts at the epoch and runs from there.
        File.WriteAllText(clock, "@1970-01-01 00:00:00\n");
        var environment = new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = libfaketime!,
            ["FAKETIME_TIMESTAMP_FILE"] = clock,
            ["FAKETIME_CACHE_DURATION"] = "1",
            // Only the wall clock is wrong at boot; the monotonic clock is right.
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        };
        await using var agent = FirmwareEnv.Start(dir, FirmwareEnv.Config(relay, Path.Combine(dir, "state"), "CLOCK1970",
            c => (c.HeartbeatInterval, c.HeartbeatTimeout) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3))), [], environment);

        var session = await FirmwareEnv.SessionOf(relay, "CLOCK1970");
        Assert.That(session, Is.Not.Null, agent.Log);
        Assert.That(agent.Log, Does.StartWith("1970-01-01T"), "the agent must have run with its clock at 1970");

        // NTP sets the clock: 56 years forward at once. Several heartbeats and their deadlines pass.
        File.WriteAllText(clock, "+0\n");
        await Task.Delay(TimeSpan.FromSeconds(6));

        Assert.That(agent.HasExited, Is.False, agent.Log);
        Assert.That(await FirmwareEnv.CurrentSession(relay, "CLOCK1970"), Is.EqualTo(session), $"the link must be the same one:\n{agent.Log}");
        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(0));
        var stopLine = agent.Log.Split('\n').Last(l => l.Contains("SIGTERM received", StringComparison.Ordinal));
        Assert.That(stopLine, Does.StartWith($"{DateTime.UtcNow.Year}-"), "the clock was set while the link lived");
    }

    [Test]
    public async Task WithSixteenOpenFilesTheAgentConnectsRefusesWhatItCannotOpenAndRecovers()
    {
        var (signing, verify) = TunnelToken.GenerateSigningKey();
        await using var relay = await TestEnv.StartRelayAsync("--tunnel-key", Convert.ToBase64String(verify));
        using var stopEcho = new CancellationTokenSource();
        var (echo, serving) = TestEnv.EchoServer(stopEcho.Token);
        var echoPort = ((System.Net.IPEndPoint)echo.LocalEndpoint).Port;
        var dir = TestEnv.TempDir();
        await using var agent = FirmwareEnv.Start(dir, FirmwareEnv.Config(relay, Path.Combine(dir, "state"), "NOFILE16", c => c.TunnelPorts.Add(echoPort)),
            ["prlimit", "--nofile=16:16"]);

        Assert.That(await FirmwareEnv.SessionOf(relay, "NOFILE16"), Is.Not.Null, agent.Log);
        Assert.That(File.ReadAllText($"/proc/{agent.Pid}/limits"), Does.Match(@"Max open files\s+16\s+16"));
        var device = agent.ReadDeviceId()!;
        string Token() => new TunnelToken { DeviceId = device, Port = echoPort, IssuedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(2), Subject = "tests" }.Sign(signing);

        // More tunnels at once than the agent has descriptors for: some work, the rest are refused.
        var descriptors = Directory.GetFiles($"/proc/{agent.Pid}/fd").Length;
        var tunnels = new List<NetworkStream>();
        int worked = 0, refused = 0;
        for (var i = 0; i < 14; i++)
        {
            try
            {
                var tunnel = await TunnelClient.ConnectAsync(TestEnv.ApiEndPoint(relay), device, echoPort, Token());
                tunnels.Add(tunnel);
                await EchoAsync(tunnel, $"tunnel {i}");
                worked++;
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException)
            {
                refused++;
            }
        }
        // Each tunnel holds one descriptor in the agent (its connection to the camera's port).
        Assert.That(worked, Is.GreaterThanOrEqualTo(1), agent.Log);
        Assert.That(refused, Is.GreaterThanOrEqualTo(1), $"{descriptors} descriptors in use before the tunnels; 14 more cannot fit in 16");
        Assert.That(agent.HasExited, Is.False, agent.Log);
        Assert.That(await TestEnv.Listed(relay, device), Is.True, $"the link to the relay must survive running out of descriptors:\n{agent.Log}\nthe relay:\n{File.ReadAllText(relay.LogFile)}");

        foreach (var t in tunnels)
        {
            await t.DisposeAsync();
        }
        // Once they are closed, a new tunnel works again.
        var recovered = await TestEnv.WaitUntil(async () =>
        {
            try
            {
                await using var tunnel = await TunnelClient.ConnectAsync(TestEnv.ApiEndPoint(relay), device, echoPort, Token());
                await EchoAsync(tunnel, "after");
                return true;
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15));
        Assert.That(recovered, Is.True, agent.Log);
        Assert.That(agent.Log, Does.Not.Contain("Unhandled"));
        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(0), agent.Log);
        stopEcho.Cancel();
        echo.Stop();
        await serving;
    }

    private static async Task EchoAsync(NetworkStream tunnel, string text)
    {
        var sent = Encoding.ASCII.GetBytes(text);
        await tunnel.WriteAsync(sent);
        var back = new byte[sent.Length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await tunnel.ReadExactlyAsync(back, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no echo of '{text}'");
        }
        catch (EndOfStreamException e)
        {
            throw new IOException($"the tunnel closed before the echo of '{text}'", e);
        }
        if (!back.AsSpan().SequenceEqual(sent))
        {
            throw new IOException($"the echo of '{text}' came back as '{Encoding.ASCII.GetString(back)}'");
        }
    }

    /// <summary>Every path under a folder with its size and modification time.</summary>
    private static List<string> Snapshot(string dir) =>
        [.. Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories)
            .Select(p => new FileInfo(p))
            .Select(f => $"{f.FullName} {(f.Attributes.HasFlag(FileAttributes.Directory) ? 0 : f.Length)} {f.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal)];
}
