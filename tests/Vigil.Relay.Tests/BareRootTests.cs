using System.Diagnostics;
using Vigil.LoadTool;

namespace Vigil.Relay.Tests;

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
        if (!TestEnv.AgentIsAot)
        {
            Assert.Ignore("needs the NativeAOT agent (./build.sh test publishes it)");
        }
        if (Environment.UserName != "root")
        {
            Assert.Ignore("chroot needs root");
        }
        var root = TestEnv.TempDir();
        var libraries = NeededLibraries(TestEnv.Agent);
        Assert.That(libraries, Has.Some.Contains("libc.so"));
        foreach (var lib in libraries)
        {
            var target = Path.Combine(root, lib.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.GetFullPath(new FileInfo(lib).ResolveLinkTarget(true)?.FullName ?? lib), target);
        }
        File.Copy(TestEnv.Agent, Path.Combine(root, "vigil-agent"));
        var everything = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.That(everything, Has.None.Match("libssl|libcrypto|libicu|libstdc"), "the root must not hold what cameras lack");

        await using var relay = await TestEnv.StartRelayAsync();
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc", "agent.conf"),
            $"relay = {relay.AgentEndPoint}\nrelay_key = {Convert.ToBase64String(relay.PublicKey)}\nstate_dir = /state\nserial = BAREROOT\n");
        var psi = new ProcessStartInfo("chroot", [root, "/vigil-agent", "run", "--config", "/etc/agent.conf"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment.Clear();
        using var agent = Process.Start(psi)!;
        var log = agent.StandardError.ReadToEndAsync();
        try
        {
            var listed = await TestEnv.WaitUntil(async () => (await relay.Api.GetStringAsync("/v1/sessions")).Contains("BAREROOT", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            Assert.That(listed, Is.True, agent.HasExited ? await log : "the agent did not appear on the relay");
            var id = File.ReadAllText(Path.Combine(root, "state", "agent.id")).Trim();
            Assert.That(await TestEnv.Listed(relay, id), Is.True);
            Assert.That(File.GetUnixFileMode(Path.Combine(root, "state", "agent.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
        finally
        {
            agent.Kill();
            await agent.WaitForExitAsync();
        }
    }

    /// <summary>The shared objects the binary loads, as ldd resolves them on this machine.</summary>
    private static List<string> NeededLibraries(string binary)
    {
        var psi = new ProcessStartInfo("ldd", [binary]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var libs = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var path = line.Split(' ').FirstOrDefault(w => w.StartsWith('/'));
            if (path is not null)
            {
                libs.Add(path);
            }
        }
        return libs;
    }
}
