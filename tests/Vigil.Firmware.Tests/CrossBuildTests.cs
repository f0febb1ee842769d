using System.Text.RegularExpressions;
using Vigil.Build;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// The camera builds: the linux-x64 binary within its budget (linux-arm64: <see cref="Arm64Tests"/>),
/// every other RID either published and run under qemu-user or stopped with the message that names
/// the missing NativeAOT package, and every RID's toolchain linking and running a probe.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class CrossBuildTests
{
    /// <summary>The RIDs not shipped yet: the feed lacks their NativeAOT runtime packs (2026-12-04).</summary>
    public static IEnumerable<string> NonHostRids => CrossTarget.All.Where(t => !t.HasSizeBudget).Select(t => t.Rid);

    public static IEnumerable<string> AllRids => CrossTarget.All.Select(t => t.Rid);

    [Test]
    public void TheLinuxX64AgentIsStrippedWithinItsBudgetAndRuns()
    {
        if (!TestEnv.AgentIsAot)
        {
            Assert.Ignore("needs the NativeAOT agent (./build.sh test publishes it)");
        }
        var size = new FileInfo(TestEnv.Agent).Length;
        Assert.That(size, Is.LessThanOrEqualTo(AgentPublisher.SizeBudgetBytes), "the stripped linux-x64 agent is over its budget");
        var (_, sections) = Processes.Run(TimeSpan.FromSeconds(10), "readelf", ["-S", "-W", TestEnv.Agent]);
        Assert.That(sections, Does.Contain(".text").And.Not.Contain(".symtab").And.Not.Contain(".debug_"), "stripped: no symbol table, no debug sections");
        var (code, version) = Processes.Run(TimeSpan.FromSeconds(10), TestEnv.Agent, ["version"]);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(version, Does.Match(@"^vigil-agent \d+\.\d+\.\d+"));
    }

    /// <summary>
    /// `publish-agent --rid R` as a user runs it. Where the feed holds R's packages, the binary must
    /// run under qemu-user and complete a handshake with a real relay; where it does not, the
    /// publish must stop with the message naming the package and the feed.
    /// </summary>
    [TestCaseSource(nameof(NonHostRids))]
    public async Task PublishingForACameraRidRunsUnderQemuOrNamesTheMissingPackageAndTheFeed(string rid)
    {
        var (code, output) = Processes.Run(TimeSpan.FromMinutes(30), "dotnet", [FirmwareEnv.BuildTool, "publish-agent", "--rid", rid]);
        var target = CrossTarget.Find(rid);
        if (code != 0)
        {
            var message = new Regex($@"build: the NativeAOT runtime pack {Regex.Escape(target.RuntimePackage)} 10\.0\.\d+ is not on the feeds? \S+.* — publish for {Regex.Escape(rid)} where it is");
            Assert.That(output, Does.Match(message), "a publish without the packages stops with a clear message");
            Assert.That(output, Does.Not.Contain("error NU1101"), "the message replaces the restore's errors");
            Assert.Pass($"{rid}: {message.Match(output).Value}");
        }
        var binary = Path.Combine(TestEnv.Root, "artifacts", "agent", rid, "vigil-agent");
        var (runCode, version) = Toolchains.Run(target, binary, "version");
        Assert.That(runCode, Is.EqualTo(0), version);
        Assert.That(version, Does.StartWith("vigil-agent "));
        if (target.Qemu is null)
        {
            return;
        }
        // The emulated camera dials a real relay.
        await using var relay = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        var serial = $"QEMU-{rid}";
        var (runner, prefix) = Toolchains.Runner(target);
        await using var agent = FirmwareEnv.Start(dir, FirmwareEnv.Config(relay, Path.Combine(dir, "state"), serial), [runner, .. prefix], binary: binary);
        Assert.That(await FirmwareEnv.SessionOf(relay, serial, TimeSpan.FromSeconds(60)), Is.Not.Null, agent.Log);
        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(0), agent.Log);
    }

    /// <summary>
    /// Each target's toolchain (clang, lld, the sysroot, qemu-user or musl's loader) links a C
    /// program the way the NativeAOT link does and runs it: the half of a camera build that does
    /// not depend on the feed, proven even where the feed lacks the NativeAOT packages.
    /// </summary>
    [TestCaseSource(nameof(AllRids))]
    public void TheToolchainLinksAndRunsAProbe(string rid)
    {
        var (code, output) = Processes.Run(TimeSpan.FromMinutes(10), "dotnet", [FirmwareEnv.BuildTool, "cross-check", "--rid", rid]);
        if (code != 0 && Environment.UserName != "root" && output.Contains("need these Debian packages", StringComparison.Ordinal))
        {
            Assert.Ignore(output);
        }
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain($"toolchain probe {rid} ok: {(rid.EndsWith("-arm", StringComparison.Ordinal) ? 32 : 64)}-bit pointers"));
    }
}
