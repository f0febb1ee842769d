using System.Security.Cryptography;
using Vigil.Stack;
using Vigil.Protocol.Releases;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// Signed agent releases with the real NativeAOT agent: the build's release-key and sign-release
/// commands, `vigil-agent stage-release` refusing every bad release with its reason (and storing
/// nothing), and in a busybox root with a real relay the switch to a release, its confirmation
/// once it reaches the relay, and the init script's rollback of a release that crashes at start or
/// never reaches a relay.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ReleaseTests
{
    private static byte[] Release(string version, byte[] binary, string? rid = null, byte[]? key = null) => TestReleases.Make(version, binary, rid ?? "linux-x64", key);

    private static AgentConfigFile Config(string stateDir, string releaseKey)
    {
        var config = FirmwareEnv.Offline(stateDir);
        config.ReleaseKey = releaseKey;
        return config;
    }

    /// <summary>Runs `vigil-agent stage-release` on the bytes; returns its exit code, output and state directory.</summary>
    private static (int Code, string Output, string StateDir) Stage(byte[] release, string extra = "", string? stateDir = null)
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var dir = TestEnv.TempDir();
        stateDir ??= Path.Combine(dir, "state");
        var config = Config(stateDir, TestReleases.PublicKey).Write(Path.Combine(dir, AgentConfigFile.FileName));
        File.WriteAllBytes(Path.Combine(dir, "r.release"), release);
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), TestEnv.Agent, ["stage-release", Path.Combine(dir, "r.release"), "--config", config, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        return (code, output, stateDir);
    }

    private static string Update(string stateDir) => File.ReadAllText(Path.Combine(stateDir, "update"));

    [Test]
    public void TheBuildMakesAKeyAndSignsAReleaseThatTheAgentStagesIntact()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var dir = TestEnv.TempDir();
        var keys = Path.Combine(dir, "keys");
        var (made, said) = Processes.Run(TimeSpan.FromMinutes(2), "dotnet", [FirmwareEnv.BuildTool, "release-key", "--out", keys]);
        Assert.That(made, Is.EqualTo(0), said);
        Assert.That(File.GetUnixFileMode(Path.Combine(keys, "release.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the private key is the owner's alone");
        var again = Processes.Run(TimeSpan.FromMinutes(2), "dotnet", [FirmwareEnv.BuildTool, "release-key", "--out", keys]);
        Assert.That(again.Code, Is.Not.EqualTo(0), "an existing release key is never overwritten");
        var release = Path.Combine(dir, "r.release");
        var (signed, signSaid) = Processes.Run(TimeSpan.FromMinutes(2), "dotnet", [FirmwareEnv.BuildTool, "sign-release", "--key", Path.Combine(keys, "release.key"), "--binary", TestEnv.Agent, "--version", "9.9.9", "--out", release]);
        Assert.That(signed, Is.EqualTo(0), signSaid);

        var state = Path.Combine(dir, "state");
        var config = Config(state, File.ReadAllText(Path.Combine(keys, "release.pub")).Trim()).Write(Path.Combine(dir, AgentConfigFile.FileName));
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(30), TestEnv.Agent, ["stage-release", release, "--config", config]);
        Assert.That(code, Is.EqualTo(0), output);
        var staged = Path.Combine(state, "releases", "vigil-agent-9.9.9");
        Assert.That(File.ReadAllBytes(staged), Is.EqualTo(File.ReadAllBytes(TestEnv.Agent)));
        Assert.That(File.GetUnixFileMode(staged) & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(Update(state), Does.Contain("update_state=staged\nupdate_version=9.9.9\n"));
    }

    public static IEnumerable<TestCaseData> BadReleases()
    {
        var binary = RandomNumberGenerator.GetBytes(200_000);
        var good = Release("0.2.0", binary);
        yield return new TestCaseData(Flip(good, good.Length - 1000), "hash_mismatch").SetName("a corrupted byte of the binary");
        yield return new TestCaseData(good[..^5000], "truncated").SetName("a truncated download");
        yield return new TestCaseData(good[..40], "truncated").SetName("a download cut inside the header");
        yield return new TestCaseData((byte[])[.. good, 1, 2, 3], "too_long").SetName("bytes after the signed binary");
        yield return new TestCaseData(Release("0.2.0", binary, key: RandomNumberGenerator.GetBytes(32)), "bad_signature").SetName("signed by another key");
        yield return new TestCaseData(Flip(good, 20), "bad_signature").SetName("a manifest changed after signing");
        yield return new TestCaseData(Release("0.2.0", binary, rid: "linux-arm64"), "wrong_rid").SetName("a release for another RID");
        yield return new TestCaseData(Release("0.0.9", binary), "not_newer").SetName("an older version");
        yield return new TestCaseData(Release("0.1.0", binary), "not_newer").SetName("the running version");
        yield return new TestCaseData(binary, "malformed").SetName("not a release at all");
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x01;
        return copy;
    }

    [TestCaseSource(nameof(BadReleases))]
    public void ABadReleaseIsRefusedWithItsReasonAndNothingIsStored(byte[] release, string reason)
    {
        var (code, output, state) = Stage(release);
        Assert.That(code, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain($"release refused ({reason})"));
        Assert.That(Update(state), Does.Contain("update_state=rejected").And.Contain($"update_reason={reason}"));
        var releases = Path.Combine(state, "releases");
        Assert.That(Directory.Exists(releases) ? Directory.GetFiles(releases) : [], Is.Empty, "nothing of a refused release stays");
    }

    [Test]
    public void ADowngradeIsStagedOnlyWhenForced()
    {
        var release = Release("0.0.9", RandomNumberGenerator.GetBytes(1000));
        Assert.That(Stage(release).Code, Is.EqualTo(1));
        var (code, output, state) = Stage(release, "--allow-downgrade");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(File.Exists(Path.Combine(state, "releases", "vigil-agent-0.0.9")), Is.True);
    }

    [Test]
    public void AStateDirectoryTooFullForTheReleaseLeavesNothingAndSaysSo()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var state = TestEnv.TempDir();
        var (mounted, why) = Processes.Run(TimeSpan.FromSeconds(10), "mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", state]);
        Assert.That(mounted, Is.EqualTo(0), why);
        try
        {
            var (code, output, _) = Stage(Release("0.2.0", RandomNumberGenerator.GetBytes(1_000_000)), stateDir: state);
            Assert.That(code, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain("release refused (disk)"));
            Assert.That(Directory.GetFiles(Path.Combine(state, "releases")), Is.Empty, "the partial file is removed");
            Assert.That(Update(state), Does.Contain("update_reason=disk"));
        }
        finally
        {
            Processes.Run(TimeSpan.FromSeconds(10), "umount", [state]);
        }
    }

    [Test]
    public void TheAgentChecksAReleaseInARootWithoutLibssl()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: false);
        root.CopyIn(TestEnv.Agent, "/vigil-agent");
        Assert.That(root.FileNames(), Has.None.Match(MinimalRoot.AbsentLibraries));
        Config("/state", TestReleases.PublicKey).Write(root.Combine("/etc/agent.conf"));
        File.WriteAllBytes(root.Combine("/r.release"), Release("0.2.0", File.ReadAllBytes(TestEnv.Agent)));
        var (code, output) = root.Run(TimeSpan.FromSeconds(30), "/vigil-agent", "stage-release", "/r.release", "--config", "/etc/agent.conf");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("staged 0.2.0"));
    }

    [Test]
    public async Task InABusyboxRootAReleaseIsKeptOnceItReachesTheRelayAndOneThatCrashesOrHangsIsRolledBack()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
        var install = PackageTests.ExtractInto(root);
        await using var relay = await TestEnv.StartRelayAsync();
        const string Serial = "UPDATE1";
        try
        {
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey),
                "--serial", Serial, "--release-key", TestReleases.PublicKey);
            Assert.That(code, Is.EqualTo(0), output);
            File.AppendAllText(root.Combine("/etc/vigil/agent.conf"), "update_trial = 4\n");
            var first = await FirmwareEnv.SessionOf(relay, Serial);
            Assert.That(first, Is.Not.Null, PackageTests.Log(root));

            // A good release: the same agent signed as 0.2.0. Applied, restarted, it reaches the relay and is kept.
            var session = await Apply(root, relay, Serial, "0.2.0", File.ReadAllBytes(TestEnv.Agent), first!);
            Assert.That(await TestEnv.WaitUntil(() => Task.FromResult(Update(root.Combine("/var/lib/vigil-agent")).Contains("update_state=updated", StringComparison.Ordinal)), TimeSpan.FromSeconds(20)), Is.True, PackageTests.Log(root));
            var pid = File.ReadAllText(root.Combine("/var/run/vigil-agent.pid.agent")).Trim();
            Assert.That(new FileInfo($"/proc/{pid}/exe").LinkTarget, Is.EqualTo(root.Combine("/var/lib/vigil-agent/releases/vigil-agent-0.2.0")), "the release runs");
            Assert.That(File.Exists(root.Combine("/var/lib/vigil-agent/bin/trial")), Is.False);

            // A signed release that crashes at start: the init script rolls back to 0.2.0, which comes back.
            session = await Apply(root, relay, Serial, "0.3.0", "#!/bin/sh\nexit 3\n"u8.ToArray(), session);
            var update = Update(root.Combine("/var/lib/vigil-agent"));
            Assert.That(update, Does.Contain("update_state=rolled_back\nupdate_version=0.3.0\nupdate_reason=release 0.3.0 exited 3 before it reached a relay"), PackageTests.Log(root));
            Assert.That(new FileInfo(root.Combine("/var/lib/vigil-agent/bin/current")).LinkTarget, Is.EqualTo("/var/lib/vigil-agent/releases/vigil-agent-0.2.0"));

            // A signed release that hangs without reaching a relay: stopped after update_trial, rolled back.
            await Apply(root, relay, Serial, "0.4.0", "#!/bin/sh\nexec sleep 600\n"u8.ToArray(), session);
            Assert.That(Update(root.Combine("/var/lib/vigil-agent")), Does.Contain("update_reason=release 0.4.0 did not reach a relay within 4 s"), PackageTests.Log(root));
            Assert.That(PackageTests.Log(root), Does.Contain("release 0.4.0 on trial: it has 4 s to reach a relay"));
        }
        finally
        {
            PackageTests.KillLeftovers(root);
        }
    }

    /// <summary>Applies a release in the root, restarts the agent through the init script, and waits for a new session; returns it.</summary>
    private static async Task<string> Apply(MinimalRoot root, RelayProcess relay, string serial, string version, byte[] binary, string previousSession)
    {
        File.WriteAllBytes(root.Combine("/tmp/r.release"), Release(version, binary));
        var applied = root.Run(TimeSpan.FromSeconds(30), "/usr/bin/vigil-agent", "apply-release", "/tmp/r.release", "--config", "/etc/vigil/agent.conf");
        Assert.That(applied.Code, Is.EqualTo(0), applied.Output);
        var restarted = root.Run(TimeSpan.FromSeconds(60), "/etc/init.d/S50vigil-agent", "restart");
        Assert.That(restarted.Code, Is.EqualTo(0), restarted.Output);
        string? session = null;
        var back = await TestEnv.WaitUntil(async () => (session = await FirmwareEnv.CurrentSession(relay, serial)) is { } s && s != previousSession, TimeSpan.FromSeconds(30));
        Assert.That(back, Is.True, $"the agent did not come back after {version}\n{PackageTests.Log(root)}");
        return session!;
    }
}
