using System.Diagnostics;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// The NativeAOT agent in a root that holds the binary, the C library and its loader, and nothing
/// else: no libssl, libcrypto, libicu or libstdc++, no /dev, no /proc, no resolv.conf. That is
/// what camera firmware looks like; the agent must complete its handshake there.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BareRootTests
{
    [Test]
    public async Task TheAotAgentConnectsFromARootWithOnlyTheCLibrary()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.Create(busybox: false);
        root.CopyIn(TestEnv.Agent, "/vigil-agent");
        Assert.That(root.FileNames(), Has.None.Match(MinimalRoot.AbsentLibraries), "the root must not hold what cameras lack");

        await using var relay = await TestEnv.StartRelayAsync();
        FirmwareEnv.Config(relay, "/state", "BAREROOT").Write(root.Combine("/etc/agent.conf"));
        var psi = new ProcessStartInfo("chroot", [root.Path, "/vigil-agent", "run", "--config", "/etc/agent.conf"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment.Clear();
        using var agent = Process.Start(psi)!;
        var log = agent.StandardError.ReadToEndAsync();
        try
        {
            var listed = await TestEnv.WaitUntil(async () => (await relay.Api.GetStringAsync("/v1/sessions")).Contains("BAREROOT", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            Assert.That(listed, Is.True, agent.HasExited ? await log : "the agent did not appear on the relay");
            var id = File.ReadAllText(root.Combine("/state/agent.id")).Trim();
            Assert.That(await TestEnv.Listed(relay, id), Is.True);
            Assert.That(File.GetUnixFileMode(root.Combine("/state/agent.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            agent.Kill();
            await agent.WaitForExitAsync();
        }
    }
}
