using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Vigil.Stack;
using Vigil.Protocol.Releases;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// Releases delivered through the agent's own relay link, with the real AOT agent and real relay
/// processes: a good release pushed, applied and kept once the agent reaches the relay again; a
/// push cut by a relay that dies, resumed where it stopped through another relay; bad releases
/// refused by the agent with the reason on the relay's API, the running agent untouched.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class OverTheAirTests
{
    private static string PublicKey => TestReleases.PublicKey;

    private static byte[] Release(string version, byte[] binary, string rid = "linux-x64") => TestReleases.Make(version, binary, rid);

    private static Task Upload(RelayProcess relay, string name, byte[] release) => RelayUpdates.Upload(relay, name, release);

    private static Task<JsonElement> Push(RelayProcess relay, string device, string name) => RelayUpdates.Push(relay, device, name);

    private static Task<JsonElement> Progress(RelayProcess relay, string device) => RelayUpdates.Progress(relay, device);

    private static Task<JsonElement> Finished(RelayProcess relay, string device) => RelayUpdates.Finished(relay, device);

    [Test]
    public async Task AReleasePushedThroughTheRelayIsAppliedAndKeptOnceTheAgentIsBack()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: true);
        root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
        var install = PackageTests.ExtractInto(root);
        await using var relay = await TestEnv.StartRelayAsync();
        try
        {
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey),
                "--serial", "OTA1", "--release-key", PublicKey);
            Assert.That(code, Is.EqualTo(0), output);
            var first = await FirmwareEnv.SessionOf(relay, "OTA1");
            Assert.That(first, Is.Not.Null, PackageTests.Log(root));
            var device = File.ReadAllText(root.Combine("/var/lib/vigil-agent/agent.id")).Trim();

            await Upload(relay, "vigil-agent-0.2.0-linux-x64.release", Release("0.2.0", File.ReadAllBytes(TestEnv.Agent)));
            await Push(relay, device, "vigil-agent-0.2.0-linux-x64.release");
            var done = await Finished(relay, device);
            Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("applied"), done.ToString());
            Assert.That(done.GetProperty("sent").GetInt64(), Is.EqualTo(done.GetProperty("size").GetInt64()));

            // The agent restarts into the release, on trial, reaches the relay and keeps it.
            Assert.That(await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, "OTA1") is { } s && s != first, TimeSpan.FromSeconds(30)), Is.True, PackageTests.Log(root));
            var state = root.Combine("/var/lib/vigil-agent");
            Assert.That(await TestEnv.WaitUntil(() => Task.FromResult(File.ReadAllText(Path.Combine(state, "update")).Contains("update_state=updated\nupdate_version=0.2.0", StringComparison.Ordinal)), TimeSpan.FromSeconds(20)), Is.True, PackageTests.Log(root));
            var pid = File.ReadAllText(root.Combine("/var/run/vigil-agent.pid.agent")).Trim();
            Assert.That(new FileInfo($"/proc/{pid}/exe").LinkTarget, Is.EqualTo(Path.Combine(state, "releases", "vigil-agent-0.2.0")));
            Assert.That(Directory.GetFiles(Path.Combine(state, "download")), Is.Empty, "the download is removed once applied");
            Assert.That(PackageTests.Log(root), Does.Contain("the agent exited 75"));
        }
        finally
        {
            PackageTests.KillLeftovers(root);
        }
    }

    [Test]
    public async Task APushCutByARelayThatDiesResumesWhereItStoppedThroughAnotherRelay()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        // Two relays with one key, as two nodes of one cluster.
        var first = await TestEnv.StartRelayAsync();
        await using var second = await RelayProcess.StartAsync(TestEnv.RelayDll, [], dir: Path.GetDirectoryName(first.KeyFile));
        var dir = TestEnv.TempDir();
        var config = FirmwareEnv.Config(first, Path.Combine(dir, "state"), "OTA2", c =>
        {
            c.AddRelay(second.AgentEndPoint);
            c.ReleaseKey = PublicKey;
            c.BackoffMax = TimeSpan.FromSeconds(1);
        });
        await using var agent = FirmwareEnv.Start(dir, config, []);
        var session = await FirmwareEnv.SessionOf(first, "OTA2");
        Assert.That(session, Is.Not.Null, agent.Log);
        var device = agent.ReadDeviceId()!;
        // A large release (a signed blob: the test stops before applying it) so the cut falls inside the download.
        var blob = RandomNumberGenerator.GetBytes(12 * 1024 * 1024);
        await Upload(first, "big-0.2.0.release", Release("0.2.0", blob));

        await Push(first, device, "big-0.2.0.release");
        Assert.That(await TestEnv.WaitUntil(async () => (await Progress(first, device)).GetProperty("sent").GetInt64() > 1_000_000, TimeSpan.FromSeconds(60)), Is.True);
        await first.DisposeAsync();
        Assert.That(await FirmwareEnv.SessionOf(second, "OTA2", TimeSpan.FromSeconds(30)), Is.Not.Null, agent.Log);
        var part = Directory.GetFiles(Path.Combine(dir, "state", "download"), "*.part").Single();
        var kept = new FileInfo(part).Length;
        Assert.That(kept, Is.GreaterThan(1_000_000).And.LessThan(blob.Length), "the cut left part of the download");

        // The dead node's directory went with it: the release is stored on the second node, as the portal does.
        await Upload(second, "big-0.2.0.release", Release("0.2.0", blob));
        var resumed = await Push(second, device, "big-0.2.0.release");
        var done = await Finished(second, device);
        Assert.That(done.GetProperty("resumed_from").GetInt64(), Is.EqualTo(kept), "the second relay went on from what the agent had");
        // The blob is signed, so it is stored and switched to: the agent restarts with 75 (no supervisor here).
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("applied"), done.ToString());
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "state", "releases", "vigil-agent-0.2.0")), Is.EqualTo(blob), "resumed bytes and all, the binary is the signed one");
        Assert.That(await TestEnv.WaitUntil(() => Task.FromResult(agent.HasExited), TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(agent.ExitCode, Is.EqualTo(75));
        TestContext.Out.WriteLine($"cut at {kept:N0} of {blob.Length:N0} bytes; {resumed}");
    }

    public static IEnumerable<TestCaseData> Refused()
    {
        var binary = RandomNumberGenerator.GetBytes(300_000);
        var good = Release("0.2.0", binary);
        var corrupted = (byte[])good.Clone();
        corrupted[^100] ^= 0x40;
        yield return new TestCaseData(corrupted, "hash_mismatch").SetName("a release corrupted on the way");
        yield return new TestCaseData(Release("0.2.0", binary, "linux-arm64"), "wrong_rid").SetName("a release for another RID");
        yield return new TestCaseData(Release("0.0.1", binary), "not_newer").SetName("an older release");
        yield return new TestCaseData((byte[])[.. ReleaseFormat.Sign(RandomNumberGenerator.GetBytes(32), "0.2.0", "linux-x64", binary), .. binary], "bad_signature").SetName("a release signed by another key");
    }

    [TestCaseSource(nameof(Refused))]
    public async Task ARefusedReleaseLeavesTheAgentRunningAndTheRelaySaysWhy(byte[] release, string reason)
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        await using var relay = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        await using var agent = FirmwareEnv.Start(dir, FirmwareEnv.Config(relay, Path.Combine(dir, "state"), "OTA3", c => c.ReleaseKey = PublicKey), []);
        var session = await FirmwareEnv.SessionOf(relay, "OTA3");
        Assert.That(session, Is.Not.Null, agent.Log);
        var device = agent.ReadDeviceId()!;
        await Upload(relay, "r.release", release);
        await Push(relay, device, "r.release");
        var done = await Finished(relay, device);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("refused"), done.ToString());
        Assert.That(done.GetProperty("error").GetString(), Does.StartWith(reason + ":"));
        await Task.Delay(1000);
        Assert.That(agent.HasExited, Is.False, "the running agent goes on");
        Assert.That(await FirmwareEnv.CurrentSession(relay, "OTA3"), Is.EqualTo(session), "on the same session");
        Assert.That(File.ReadAllText(Path.Combine(dir, "state", "update")), Does.Contain("update_state=rejected").And.Contain($"update_reason={reason}:"));
        Assert.That(agent.Log, Does.Contain($"release refused ({reason})"));
        Assert.That(Directory.Exists(Path.Combine(dir, "state", "releases")) ? Directory.GetFiles(Path.Combine(dir, "state", "releases")) : [], Is.Empty);
    }
}
