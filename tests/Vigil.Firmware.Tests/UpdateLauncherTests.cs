using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// Updates under every init system, through the launcher the three share (init/vigil-agent-launch):
/// with the real AOT agent, real relays and releases pushed through the relay link, the SysV script
/// in a busybox root and the systemd unit's ExecStart in a read-only root (systemd itself cannot run
/// here: no systemd is PID 1; the unit is checked by systemd-analyze in PackageTests). Each proves
/// a release applied, re-executed (exit 75) and kept; one that crashes at start rolled back; the
/// reason in the status. The busybox script's own case is ReleaseTests'.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class UpdateLauncherTests
{
    private const string State = "/var/lib/vigil-agent";

    private static byte[] Crashing => "#!/bin/sh\nexit 3\n"u8.ToArray();

    private static string Update(MinimalRoot root) => File.ReadAllText(root.Combine(State + "/update"));

    private static async Task<bool> UpdateSays(Func<string> update, string text) =>
        await TestEnv.WaitUntil(() => Task.FromResult(update().Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

    /// <summary>Waits for a session of the serial other than <paramref name="previous"/>; returns it.</summary>
    private static async Task<string> NewSession(RelayProcess relay, string serial, string previous, Func<string> log)
    {
        string? session = null;
        var back = await TestEnv.WaitUntil(async () => (session = await FirmwareEnv.CurrentSession(relay, serial)) is { } s && s != previous, TimeSpan.FromSeconds(40));
        Assert.That(back, Is.True, $"the agent did not come back on a new session\n{log()}");
        return session!;
    }

    [Test]
    public async Task TheSysvScriptRunsAPushedReleaseAndRollsBackOneThatCrashesOrHangs()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        var install = PackageTests.ExtractInto(root);
        await using var relay = await TestEnv.StartRelayAsync();
        const string Serial = "SYSV-OTA";
        try
        {
            // Busybox's start-stop-daemon, as on a camera whose firmware uses SysV-style scripts.
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--init", "sysv", "--relay", relay.AgentEndPoint.ToString(),
                "--relay-key", Convert.ToBase64String(relay.PublicKey), "--serial", Serial, "--release-key", TestReleases.PublicKey, "--no-start");
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("init: sysv").And.Contain("/usr/lib/vigil-agent/launch"));
            File.AppendAllText(root.Combine("/etc/vigil/agent.conf"), "update_trial = 4\n");
            var started = root.Run(TimeSpan.FromSeconds(30), "/etc/init.d/vigil-agent", "start");
            Assert.That(started.Code, Is.EqualTo(0), started.Output);
            var session = await FirmwareEnv.SessionOf(relay, Serial);
            Assert.That(session, Is.Not.Null, PackageTests.Log(root));
            var device = File.ReadAllText(root.Combine(State + "/agent.id")).Trim();
            var launcher = File.ReadAllText(root.Combine("/var/run/vigil-agent.pid")).Trim();

            // A good release (this agent signed as 0.2.0): applied, exit 75, started again at once on it, kept.
            await RelayUpdates.PushApplied(relay, device, "0.2.0", TestReleases.Make("0.2.0", File.ReadAllBytes(TestEnv.Agent)));
            session = await NewSession(relay, Serial, session!, () => PackageTests.Log(root));
            Assert.That(await UpdateSays(() => Update(root), "update_state=updated\nupdate_version=0.2.0"), Is.True, PackageTests.Log(root));
            var agent = File.ReadAllText(root.Combine("/var/run/vigil-agent.pid.agent")).Trim();
            Assert.That(new FileInfo($"/proc/{agent}/exe").LinkTarget, Is.EqualTo(root.Combine(State + "/releases/vigil-agent-0.2.0")), "the release runs");
            Assert.That(File.ReadAllText(root.Combine("/var/run/vigil-agent.pid")).Trim(), Is.EqualTo(launcher), "re-executed by the same launcher, not restarted by hand");
            Assert.That(PackageTests.Log(root), Does.Contain("the agent exited 75 to run a new release"));

            // A signed release that crashes at start: rolled back to 0.2.0, which comes back; status says why.
            await RelayUpdates.PushApplied(relay, device, "0.3.0", TestReleases.Make("0.3.0", Crashing));
            session = await NewSession(relay, Serial, session, () => PackageTests.Log(root));
            Assert.That(await UpdateSays(() => Update(root), "update_state=rolled_back\nupdate_version=0.3.0\nupdate_reason=release 0.3.0 exited 3 before it reached a relay"),
                Is.True, PackageTests.Log(root));
            Assert.That(new FileInfo(root.Combine(State + "/bin/current")).LinkTarget, Is.EqualTo(State + "/releases/vigil-agent-0.2.0"));
            var status = root.Run(TimeSpan.FromSeconds(20), "/etc/init.d/vigil-agent", "status");
            Assert.That(status.Code, Is.EqualTo(0), status.Output);
            Assert.That(status.Output, Does.Contain("state=connected").And.Contain($"binary={State}/bin/current")
                .And.Contain("update_state=rolled_back").And.Contain("update_reason=release 0.3.0 exited 3 before it reached a relay"));

            // One that hangs without reaching a relay: stopped after its trial, rolled back.
            await RelayUpdates.PushApplied(relay, device, "0.4.0", TestReleases.Make("0.4.0", "#!/bin/sh\nexec sleep 600\n"u8.ToArray()));
            await NewSession(relay, Serial, session, () => PackageTests.Log(root));
            Assert.That(await UpdateSays(() => Update(root), "update_reason=release 0.4.0 did not reach a relay within 4 s"), Is.True, PackageTests.Log(root));
            // The failed releases are removed from the flash once the kept one starts again; the kept one stays.
            Assert.That(Directory.GetFiles(root.Combine(State + "/releases")).Select(Path.GetFileName), Is.EqualTo(new[] { "vigil-agent-0.2.0" }), PackageTests.Log(root));

            var stop = root.Run(TimeSpan.FromSeconds(30), "/etc/init.d/vigil-agent", "stop");
            Assert.That(stop.Code, Is.EqualTo(0), stop.Output);
            Assert.That(await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, Serial) is null, TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(PackageTests.Log(root), Does.Contain("SIGTERM received, stopping"), "the launcher passes the stop on: a clean exit");
        }
        finally
        {
            PackageTests.KillLeftovers(root);
        }
    }

    [Test]
    public async Task TheSystemdUnitsLauncherInAReadOnlyRootRunsAPushedReleaseAndRollsBackOneThatCrashes()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        var install = PackageTests.ExtractInto(root);
        await using var relay = await TestEnv.StartRelayAsync();
        const string Serial = "SYSTEMD-OTA";
        // Installed into the root as into a firmware image: the unit, the launcher, the binary, the config.
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(60), "/bin/sh", [root.Combine(install), "--prefix", root.Path, "--init", "systemd",
            "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey), "--serial", Serial, "--release-key", TestReleases.PublicKey]);
        Assert.That(code, Is.EqualTo(0), output);
        File.AppendAllText(root.Combine("/etc/vigil/agent.conf"), "update_trial = 4\n");
        var unit = File.ReadAllLines(root.Combine("/etc/systemd/system/vigil-agent.service"));
        var execStart = unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..].Split(' ');
        Assert.That(execStart[0], Is.EqualTo("/usr/lib/vigil-agent/launch"), "systemd starts the launcher, not the factory binary");

        // What ProtectSystem=strict with ReadWritePaths makes of the root: read-only but for the state
        // directory, here a folder of the host bound over it, as firmware mounts a data partition.
        var state = TestEnv.TempDir();
        var psi = root.ReadOnlyChroot(state, execStart);
        // The launcher's and the agent's output together, as the journal would hold them.
        await using var service = AgentProcess.Launch(psi, state, root.Combine("/etc/vigil/agent.conf"));
        string Update() => File.Exists(Path.Combine(state, "update")) ? File.ReadAllText(Path.Combine(state, "update")) : "";

        var session = await FirmwareEnv.SessionOf(relay, Serial);
        Assert.That(session, Is.Not.Null, service.Log);
        var device = File.ReadAllText(Path.Combine(state, "agent.id")).Trim();

        await RelayUpdates.PushApplied(relay, device, "0.2.0", TestReleases.Make("0.2.0", File.ReadAllBytes(TestEnv.Agent)));
        session = await NewSession(relay, Serial, session!, () => service.Log);
        Assert.That(await UpdateSays(Update, "update_state=updated\nupdate_version=0.2.0"), Is.True, service.Log);
        Assert.That(service.Log, Does.Contain("the agent exited 75 to run a new release").And.Contain("release 0.2.0 on trial: it has 4 s"));
        Assert.That(File.Exists(Path.Combine(state, "releases", "vigil-agent-0.2.0")), Is.True, "the release is kept in the writable state directory");

        await RelayUpdates.PushApplied(relay, device, "0.3.0", TestReleases.Make("0.3.0", Crashing));
        await NewSession(relay, Serial, session, () => service.Log);
        Assert.That(await UpdateSays(Update, "update_state=rolled_back\nupdate_version=0.3.0\nupdate_reason=release 0.3.0 exited 3 before it reached a relay"), Is.True, service.Log);
        Assert.That(new FileInfo(Path.Combine(state, "bin", "current")).LinkTarget, Is.EqualTo(State + "/releases/vigil-agent-0.2.0"));
        Assert.That(service.HasExited, Is.False, "systemd never saw an exit: the launcher re-executed and rolled back by itself");

        // systemctl stop: SIGTERM to the main process, which the launcher passes on; a clean exit 0.
        Assert.That(await service.StopAsync(TimeSpan.FromSeconds(15)), Is.EqualTo(0), service.Log);
        Assert.That(service.Log, Does.Contain("SIGTERM received, stopping").And.Not.Contain("the root is writable"));
    }
}
