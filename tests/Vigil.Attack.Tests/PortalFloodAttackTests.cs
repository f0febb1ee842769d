using Vigil.LoadTool;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// The portal with its embedded relay, as the single-server setup runs it: an unapproved agent that
/// floods PINGs and never reads is closed with the portal's memory bounded (it once grew by gigabytes
/// in seconds), and random relay-node tokens on the internal API do not grow its token cache.
/// </summary>
[TestFixture]
public sealed class PortalFloodAttackTests
{
    private EmbeddedRelayPortal _stack = null!;
    private PortalProcess _portal = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _stack = await LinkAttackRig.StartPortalAsync();
        _portal = _stack.Portal;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _stack.DisposeAsync();

    [Test]
    public async Task PingFloodWithoutReadingClosesTheSessionWithBoundedMemory()
    {
        var before = _portal.ResidentBytes();
        using var hostile = await HostileAgent.ConnectAsync(_stack.Relay, _stack.RelayKey, "FLOOD-1");
        var closed = await hostile.FloodAsync(HostileFlood.Ping, TimeSpan.FromSeconds(15));
        var after = _portal.ResidentBytes();

        Assert.That(closed, Is.True, $"the portal's relay closed the flooding connection ({hostile.FramesSent} PINGs sent)");
        Assert.That(LinkAttackRig.Mib(after - before), Is.LessThan(96), "portal memory grown by the flood, MiB");
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(_portal.Log.Contains("closed for abuse of the link", StringComparison.Ordinal))),
            Is.Not.Null, () => $"the portal logged why it closed the connection:\n{_portal.Log}");
    }

    [Test]
    public async Task RandomNodeTokensDoNotGrowTheTokenCache()
    {
        using var http = new HttpClient { BaseAddress = _portal.BaseAddress };
        for (var i = 0; i < 300; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/v1/presence")
            {
                Content = new StringContent("{\"sessions\":0,\"events\":[]}", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", $"vr_{Guid.NewGuid():N}");
            using var response = await http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(401));
        }
        var metrics = await _portal.Api.GetStringAsync("/api/v1/metrics");
        // The embedded node's own token at most: what the cache holds is bounded by registered nodes.
        Assert.That(LinkAttackRig.Series(metrics, "vigil_portal_node_tokens_cached"), Is.LessThanOrEqualTo(1));
        Assert.That(metrics, Does.Contain("vigil_portal_node_tokens_cached"));
    }
}
