using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// The installer's package (./build.sh package-agent) installed the way an installer does: into
/// a busybox root like camera firmware, where install.sh must pick the busybox init script and
/// start the agent on a real relay; into a firmware image; with SysV and systemd.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class PackageTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Test]
    public void ThePackageHoldsTheBinaryTheSampleConfigTheInitScriptsAndTheInstaller()
    {
        var package = FirmwareEnv.Package;
        var name = Path.GetFileName(package)[..^".tar.gz".Length];
        var entries = new Dictionary<string, (UnixFileMode Mode, int Uid, byte[] Data)>();
        using (var file = File.OpenRead(package))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                using var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                entries[entry.Name] = (entry.Mode, entry.Uid, data.ToArray());
            }
        }
        var expected = new Dictionary<string, UnixFileMode>
        {
            [$"{name}/"] = FirmwareEnv.Mode755,
            [$"{name}/init/"] = FirmwareEnv.Mode755,
            [$"{name}/vigil-agent"] = FirmwareEnv.Mode755,
            [$"{name}/install.sh"] = FirmwareEnv.Mode755,
            [$"{name}/agent.conf.sample"] = (UnixFileMode)0b110_100_100,
            [$"{name}/README"] = (UnixFileMode)0b110_100_100,
            [$"{name}/init/vigil-agent.service"] = (UnixFileMode)0b110_100_100,
            [$"{name}/init/vigil-agent.sysv"] = FirmwareEnv.Mode755,
            [$"{name}/init/S50vigil-agent"] = FirmwareEnv.Mode755,
            [$"{name}/init/vigil-agent-launch"] = FirmwareEnv.Mode755,
        };
        Assert.That(entries.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (path, mode) in expected)
        {
            Assert.That(entries[path].Mode, Is.EqualTo(mode), path);
            Assert.That(entries[path].Uid, Is.EqualTo(0), $"{path} belongs to root on the camera");
        }
        // The package carries the binary that went through the gates, and is named after its version.
        Assert.That(entries[$"{name}/vigil-agent"].Data, Is.EqualTo(File.ReadAllBytes(TestEnv.Agent)));
        var (_, version) = Processes.Run(TimeSpan.FromSeconds(10), TestEnv.Agent, ["version"]);
        Assert.That(name, Is.EqualTo($"vigil-agent-{version.Trim()["vigil-agent ".Length..]}-linux-x64"));
    }

    [Test]
    public void TheSampleConfigShowsEveryKeyTheAgentReadsWithAValidExample()
    {
        var sample = File.ReadAllText(Path.Combine(TestEnv.Root, "crosscompile", "package", "agent.conf.sample"));
        var source = File.ReadAllText(Path.Combine(TestEnv.Root, "agent", "Vigil.Agent", "AgentConfig.cs"));
        var keys = ConfigKey().Matches(source).Select(m => m.Groups[1].Value).ToHashSet();
        var shown = SampleSetting().Matches(sample).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(keys, Has.Count.GreaterThan(10), "the keys are read from AgentConfig.Parse's switch");
        Assert.That(shown, Is.EquivalentTo(keys), "the sample shows exactly the keys the agent reads");
        Assert.That(sample.Split('\n').Where(l => l.Length > 0), Has.All.StartWith("#"), "every line of the sample is commented out");

        // Uncommented, every example is a value the agent accepts (`id` parses the whole config).
        var dir = TestEnv.TempDir();
        var config = SampleSetting().Replace(sample, m => m.Value[1..]).Replace("state_dir = /var/lib/vigil-agent", $"state_dir = {dir}/state");
        File.WriteAllText(Path.Combine(dir, "agent.conf"), config);
        var agent = TestEnv.Agent;
        var (code, output) = agent.EndsWith(".dll", StringComparison.Ordinal)
            ? Processes.Run(TimeSpan.FromSeconds(30), "dotnet", [agent, "id", "--config", Path.Combine(dir, "agent.conf")])
            : Processes.Run(TimeSpan.FromSeconds(30), agent, ["id", "--config", Path.Combine(dir, "agent.conf")]);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("device_id "));
    }

    [TestCase("/bin/sh")]
    [TestCase("/bin/busybox")]
    public void InstallingIntoAFirmwareImageWritesTheConfigOnceAndUninstallKeepsTheIdentity(string shell)
    {
        var install = Extract(TestEnv.TempDir());
        var image = TestEnv.TempDir();
        // A busybox firmware image: its rcS starts the S??* scripts.
        Directory.CreateDirectory(Path.Combine(image, "etc", "init.d"));
        File.WriteAllText(Path.Combine(image, "etc", "init.d", "rcS"), "#!/bin/sh\nfor s in /etc/init.d/S??*; do \"$s\" start; done\n");
        (int Code, string Output) Install(params string[] args) =>
            Processes.Run(TimeSpan.FromSeconds(30), shell, [.. shell.EndsWith("busybox", StringComparison.Ordinal) ? ["sh"] : Array.Empty<string>(), install, "--prefix", image, .. args]);

        var first = Install("--relay", "10.0.0.1:443", "--relay", "relay-2.example.com:443", "--relay-key", Key, "--serial", "IMG-1", "--tunnel-ports", "80,554");
        Assert.That(first.Code, Is.EqualTo(0), first.Output);
        Assert.That(first.Output, Does.Contain("init: busybox").And.Contain("first boot"));
        var config = Path.Combine(image, "etc", "vigil", "agent.conf");
        Assert.That(File.ReadAllText(config), Does.Contain("relay = 10.0.0.1:443\nrelay = relay-2.example.com:443\n").And.Contain($"relay_key = {Key}").And.Contain("serial = IMG-1").And.Contain("tunnel_ports = 80,554"));
        Assert.That(File.GetUnixFileMode(config), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the config may hold an enrollment token");
        Assert.That(File.GetUnixFileMode(Path.Combine(image, "usr", "bin", "vigil-agent")), Is.EqualTo(FirmwareEnv.Mode755));
        Assert.That(File.Exists(Path.Combine(image, "etc", "init.d", "S50vigil-agent")), Is.True);

        var again = Install("--relay", "10.9.9.9:443", "--relay-key", Key);
        Assert.That(again.Code, Is.EqualTo(0), again.Output);
        Assert.That(File.ReadAllText(config), Does.Contain("10.0.0.1:443").And.Not.Contain("10.9.9.9"), "an existing config is kept");
        var forced = Install("--relay", "10.9.9.9:443", "--relay-key", Key, "--force");
        Assert.That(forced.Code, Is.EqualTo(0), forced.Output);
        Assert.That(File.ReadAllText(config), Does.Contain("relay = 10.9.9.9:443").And.Not.Contain("10.0.0.1"));

        var bad = Install("--relay", "no-port", "--relay-key", Key, "--force");
        Assert.That(bad.Code, Is.Not.EqualTo(0));
        Assert.That(bad.Output, Does.Contain("--relay no-port: expected HOST:PORT"));

        var identity = Path.Combine(image, "var", "lib", "vigil-agent", "agent.key");
        File.WriteAllText(identity, "the identity\n");
        var removed = Install("--uninstall");
        Assert.That(removed.Code, Is.EqualTo(0), removed.Output);
        Assert.That(File.Exists(Path.Combine(image, "usr", "bin", "vigil-agent")), Is.False);
        Assert.That(File.Exists(Path.Combine(image, "etc", "init.d", "S50vigil-agent")), Is.False);
        Assert.That(File.ReadAllText(identity), Is.EqualTo("the identity\n"), "uninstall keeps the identity");
        Assert.That(File.Exists(config), Is.True, "uninstall keeps the config");
        var purged = Install("--uninstall", "--purge");
        Assert.That(purged.Code, Is.EqualTo(0), purged.Output);
        Assert.That(File.Exists(identity) || File.Exists(config), Is.False, "--purge removes the identity and the config");
    }

    [Test]
    public void TheSystemdUnitIsValidHardenedAndDoesNotRestartOnExit78()
    {
        var install = Extract(TestEnv.TempDir());
        var image = TestEnv.TempDir();
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), "/bin/sh",
            [install, "--prefix", image, "--init", "systemd", "--state-dir", "/data/vigil", "--relay", "10.0.0.1:443", "--relay-key", Key]);
        Assert.That(code, Is.EqualTo(0), output);
        var unit = Path.Combine(image, "etc", "systemd", "system", "vigil-agent.service");
        var text = File.ReadAllText(unit);
        Assert.That(text, Does.Contain("\nRestart=on-failure\n").And.Contain("\nRestartPreventExitStatus=78\n"));
        Assert.That(text, Does.Contain("\nReadWritePaths=/data/vigil\n").And.Not.Contain("/var/lib/vigil-agent"), "the state directory is the one installed");
        Assert.That(text, Does.Contain("\nNoNewPrivileges=yes\n").And.Contain("\nProtectSystem=strict\n").And.Contain("\nCapabilityBoundingSet=\n"));
        Assert.That(new FileInfo(Path.Combine(image, "etc", "systemd", "system", "multi-user.target.wants", "vigil-agent.service")).LinkTarget,
            Is.EqualTo("/etc/systemd/system/vigil-agent.service"), "enabled in the image");
        Assert.That(Directory.Exists(Path.Combine(image, "data", "vigil")), Is.True, "ReadWritePaths needs the directory to exist");

        // systemd's own parser: prints a line for each unknown key or bad value, and checks the binary exists.
        var check = Path.Combine(TestEnv.TempDir(), "vigil-agent.service");
        Assert.That(text, Does.Contain("\nExecStart=/usr/lib/vigil-agent/launch run\n"), "started through the launcher, which runs updates");
        Assert.That(File.GetUnixFileMode(Path.Combine(image, "usr", "lib", "vigil-agent", "launch")), Is.EqualTo(FirmwareEnv.Mode755));
        File.WriteAllText(check, text.Replace("/usr/lib/vigil-agent/launch", Path.Combine(image, "usr", "lib", "vigil-agent", "launch")));
        var verify = Processes.Run(TimeSpan.FromSeconds(60), "systemd-analyze", ["verify", check]);
        Assert.That(verify.Code, Is.EqualTo(0), verify.Output);
        Assert.That(verify.Output.Trim(), Is.Empty);
    }

    [Test]
    public async Task InABusyboxRootInstallShStartsTheAgentTheScriptRestartsItAfterACrashStopsItAndUninstallKeepsTheIdentity()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
        var install = ExtractInto(root);
        Assert.That(root.FileNames(), Has.None.Match(MinimalRoot.AbsentLibraries), "the root must not hold what cameras lack");
        await using var relay = await TestEnv.StartRelayAsync();
        try
        {
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey), "--serial", "BUSYBOX1");
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("init: busybox").And.Contain("vigil-agent started"));
            var first = await FirmwareEnv.SessionOf(relay, "BUSYBOX1");
            Assert.That(first, Is.Not.Null, Log(root));
            var key = File.ReadAllText(root.Combine("/var/lib/vigil-agent/agent.key"));

            // A crash: the supervisor starts the agent again, with the same identity.
            var crashed = int.Parse(File.ReadAllText(root.Combine("/var/run/vigil-agent.pid.agent")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(Posix.Kill(crashed, Posix.SigKill), Is.EqualTo(0));
            var restarted = await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, "BUSYBOX1") is { } s && s != first, TimeSpan.FromSeconds(20));
            Assert.That(restarted, Is.True, Log(root));
            Assert.That(Log(root), Does.Contain("the agent exited 137; starting it again"));
            var agentPid = File.ReadAllText(root.Combine("/var/run/vigil-agent.pid.agent")).Trim();
            Assert.That(agentPid, Is.Not.EqualTo(crashed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var status = root.Run(TimeSpan.FromSeconds(20), "/etc/init.d/S50vigil-agent", "status");
            Assert.That(status.Code, Is.EqualTo(0), status.Output);
            Assert.That(status.Output, Does.Contain("state=connected"));

            var stop = root.Run(TimeSpan.FromSeconds(30), "/etc/init.d/S50vigil-agent", "stop");
            Assert.That(stop.Code, Is.EqualTo(0), stop.Output);
            Assert.That(Directory.Exists($"/proc/{agentPid}"), Is.False, "the agent is gone");
            Assert.That(await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, "BUSYBOX1") is null, TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(Log(root), Does.Contain("SIGTERM received, stopping"), "stopped cleanly, not killed");

            var (removedCode, removed) = root.Run(TimeSpan.FromSeconds(30), "/bin/sh", install, "--uninstall");
            Assert.That(removedCode, Is.EqualTo(0), removed);
            Assert.That(File.Exists(root.Combine("/usr/bin/vigil-agent")), Is.False);
            Assert.That(File.Exists(root.Combine("/etc/init.d/S50vigil-agent")), Is.False);
            Assert.That(File.ReadAllText(root.Combine("/var/lib/vigil-agent/agent.key")), Is.EqualTo(key), "the identity stays");
        }
        finally
        {
            KillLeftovers(root);
        }
    }

    [Test]
    public void TheBusyboxScriptDoesNotRestartAnAgentThatExits78()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
        var install = ExtractInto(root);
        try
        {
            var installed = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--relay", "127.0.0.1:9", "--relay-key", Key, "--no-start");
            Assert.That(installed.Code, Is.EqualTo(0), installed.Output);
            File.AppendAllText(root.Combine("/etc/vigil/agent.conf"), "colour = blue\n");

            var (code, output) = root.Run(TimeSpan.FromSeconds(30), "/etc/init.d/S50vigil-agent", "start");
            Assert.That(code, Is.Not.EqualTo(0), "a start that fails at once is reported as failed");
            Assert.That(output, Does.Contain("exited at once").And.Contain("unknown key 'colour'"));
            Thread.Sleep(TimeSpan.FromSeconds(3)); // three respawn delays
            var log = Log(root);
            Assert.That(Regex.Matches(log, "unknown key 'colour'").Count, Is.EqualTo(1), log);
            Assert.That(log, Does.Contain("the agent exited 78"));
            Assert.That(File.Exists(root.Combine("/var/run/vigil-agent.pid")), Is.False, "no supervisor is left");
        }
        finally
        {
            KillLeftovers(root);
        }
    }

    [Test]
    public async Task TheSysvScriptStartsAndStopsTheAgentWithDebiansStartStopDaemon()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        // Debian's start-stop-daemon in place of busybox's (it needs only the C library, which is there).
        File.Delete(root.Combine("/sbin/start-stop-daemon"));
        root.CopyIn("/sbin/start-stop-daemon", "/sbin/start-stop-daemon", FirmwareEnv.Mode755);
        var install = ExtractInto(root);
        await using var relay = await TestEnv.StartRelayAsync();
        try
        {
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--init", "sysv", "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey), "--serial", "SYSV1");
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("init: sysv").And.Contain("vigil-agent started"));
            Assert.That(new FileInfo(root.Combine("/etc/rc2.d/S50vigil-agent")).LinkTarget, Is.EqualTo("../init.d/vigil-agent"));
            Assert.That(new FileInfo(root.Combine("/etc/rc0.d/K50vigil-agent")).LinkTarget, Is.EqualTo("../init.d/vigil-agent"));
            Assert.That(await FirmwareEnv.SessionOf(relay, "SYSV1"), Is.Not.Null, Log(root));
            var status = root.Run(TimeSpan.FromSeconds(20), "/etc/init.d/vigil-agent", "status");
            Assert.That(status.Code, Is.EqualTo(0), status.Output);
            Assert.That(status.Output, Does.Contain("state=connected"));

            var stop = root.Run(TimeSpan.FromSeconds(30), "/etc/init.d/vigil-agent", "stop");
            Assert.That(stop.Code, Is.EqualTo(0), stop.Output);
            Assert.That(await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, "SYSV1") is null, TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(root.Run(TimeSpan.FromSeconds(20), "/etc/init.d/vigil-agent", "status").Code, Is.EqualTo(3), "LSB: 3 is not running");
            Assert.That(Log(root), Does.Contain("SIGTERM received, stopping"));

            var removed = root.Run(TimeSpan.FromSeconds(30), "/bin/sh", install, "--uninstall");
            Assert.That(removed.Code, Is.EqualTo(0), removed.Output);
            Assert.That(Directory.GetFiles(root.Combine("/etc"), "*vigil-agent", SearchOption.AllDirectories), Is.Empty, "no init script or rc link is left");
        }
        finally
        {
            KillLeftovers(root);
        }
    }

    /// <summary>Unpacks the package (the linux-x64 one unless named) as an installer would (tar xzf) and returns the path of install.sh.</summary>
    private static string Extract(string dir, string? package = null)
    {
        package ??= FirmwareEnv.Package;
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), "tar", ["xzf", package, "-C", dir]);
        Assert.That(code, Is.EqualTo(0), output);
        return Path.Combine(dir, Path.GetFileName(package)[..^".tar.gz".Length], "install.sh");
    }

    /// <summary>Unpacks the package into the root's /tmp/pkg and returns install.sh's path as seen inside the root.</summary>
    internal static string ExtractInto(MinimalRoot root, string? package = null)
    {
        Directory.CreateDirectory(root.Combine("/tmp/pkg"));
        var install = Extract(root.Combine("/tmp/pkg"), package);
        return "/" + Path.GetRelativePath(root.Path, install);
    }

    internal static string Log(MinimalRoot root)
    {
        var path = root.Combine("/var/log/vigil-agent.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no log)";
    }

    /// <summary>A failed test must not leave the agents it started running: end them by the pids the scripts recorded.</summary>
    internal static void KillLeftovers(MinimalRoot root)
    {
        var run = root.Combine("/var/run");
        foreach (var file in Directory.Exists(run) ? Directory.GetFiles(run, "vigil-agent.pid*") : [])
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), out var pid) && Directory.Exists($"/proc/{pid}"))
            {
                _ = Posix.Kill(pid, Posix.SigKill);
            }
        }
    }

    [GeneratedRegex(@"case ""([a-z_]+)"":")]
    private static partial Regex ConfigKey();

    [GeneratedRegex(@"^#([a-z_]+) = .*$", RegexOptions.Multiline)]
    private static partial Regex SampleSetting();
}
