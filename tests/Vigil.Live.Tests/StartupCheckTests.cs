using Vigil.Stack;

namespace Vigil.Live.Tests;

/// <summary>
/// vigil-live says at once when Janus or the portal cannot be reached, instead of at its first viewer;
/// on a node whose parts are all up (the stack of the other suites) it says nothing of the kind.
/// </summary>
[TestFixture]
public sealed class StartupCheckTests
{
    [Test]
    public async Task UnreachableJanusAndPortalAreLoggedAtStart()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-live-start-").FullName;
        // Ports nothing listens on: bound and closed again.
        var (janus, portal, listen) = (RelayProcess.FreePort(), RelayProcess.FreePort(), RelayProcess.FreePort());
        await using var live = PeerProcess.Start("vigil-live", "dotnet", [LiveNode.LiveDll(Repository.Root),
            "--listen", $"http://127.0.0.1:{listen}",
            "--hook-url", $"http://127.0.0.1:{portal}/hooks/nginx-rtmp/node-1?key=k",
            "--janus-url", $"http://127.0.0.1:{janus}/janus", "--janus-secret", "s"], dir);
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(
            live.Output.Contains("Janus: not reachable at start", StringComparison.Ordinal) &&
            live.Output.Contains("the portal at start:", StringComparison.Ordinal))), Is.Not.Null, live.Output);
        Assert.That(live.Output, Does.Not.Contain("key=k"), "the hook key stays out of the log");
    }
}
