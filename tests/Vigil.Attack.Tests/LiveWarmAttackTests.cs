using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// vigil-live's warm request (POST /CAMERA/webrtc/warm?token=T, which starts a camera's feed ahead of
/// its viewer) against a real portal process and a real vigil-live, as the node's nginx passes it on:
/// another camera's token, a forged or malformed one, and camera names that are paths start nothing
/// and never reach Janus. Janus is not running here: whatever got past the portal would show as a
/// feed in vigil-live's /stats and its log.
/// </summary>
public sealed class LiveWarmAttackTests
{
    private const string Public = "pub-cam";
    private const string Private = "priv-cam";
    private AttackPortal _portal = null!;
    private PeerProcess _live = null!;
    private HttpClient _http = null!;
    private string _publicToken = "";

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AttackPortal.StartAsync("live-warm");
        var hook = (await _portal.StreamerAsync("edge", "nginx-rtmp", "http://127.0.0.1:1", "rtmp://127.0.0.1:2/live"))["nginx_rtmp"]!.GetValue<string>();
        await _portal.CameraAsync(new { name = Public, access = "public", streamer = "edge" });
        await _portal.CameraAsync(new { name = Private, access = "private", streamer = "edge" });
        using (var anonymous = _portal.Anonymous())
        {
            _publicToken = AttackPortal.TokenOf((await VigilStack.PlaybackAsync(anonymous, Public)).Hls);
        }
        var port = RelayProcess.FreePort();
        _live = PeerProcess.Start("vigil-live", "dotnet", [LiveNode.LiveDll(Repository.Root), "--listen", $"http://127.0.0.1:{port}",
            "--hook-url", hook, "--janus-url", $"http://127.0.0.1:{RelayProcess.FreePort()}/janus", "--janus-secret", "s"], _portal.Dir);
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(30), async () =>
        {
            try
            {
                return (await _http.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }), Is.Not.Null, _live.Output);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http?.Dispose();
        if (_live is not null)
        {
            await _live.DisposeAsync();
        }
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private async Task<HttpStatusCode> WarmAsync(string path)
    {
        using var answer = await _http.PostAsync(path, null);
        return answer.StatusCode;
    }

    [Test, Order(1)]
    public async Task NoTokenButTheCamerasOwnStartsAFeed()
    {
        Assert.That(await WarmAsync($"/{Private}/webrtc/warm?token={_publicToken}"), Is.EqualTo(HttpStatusCode.Forbidden), "a public camera's token on a private camera");
        Assert.That(await WarmAsync($"/{Private}/webrtc/warm?token={_publicToken[..^2]}xx"), Is.EqualTo(HttpStatusCode.Forbidden), "a forged token");
        Assert.That(await WarmAsync($"/{Private}/webrtc/warm"), Is.EqualTo(HttpStatusCode.Unauthorized), "no token");
        Assert.That(await WarmAsync($"/{Private}/webrtc/warm?token=a%22b%3Cc"), Is.EqualTo(HttpStatusCode.Unauthorized), "a token of other characters");
        Assert.That(await WarmAsync($"/{Private}/webrtc/warm?token={new string('a', 5000)}"), Is.EqualTo(HttpStatusCode.Unauthorized), "an over-long token");
        foreach (var name in (string[])["%2e%2e", ".hidden", "%2e%2e%2f" + Public, new string('c', 65)])
        {
            Assert.That(await WarmAsync($"/{name}/webrtc/warm?token={_publicToken}"), Is.EqualTo(HttpStatusCode.NotFound), name);
        }
        var stats = JsonNode.Parse(await _http.GetStringAsync("/stats"))!;
        Assert.That(stats["feeds"]!.GetValue<int>(), Is.Zero, _live.Output);
        Assert.That(_live.Output, Does.Not.Contain("feed of"), "no feed was started or warmed");
    }

    /// <summary>What makes the refusals above mean something: the camera's own token gets past the portal and sets a feed going.</summary>
    [Test, Order(2)]
    public async Task TheCamerasOwnTokenWarmsItsFeed()
    {
        Assert.That(await WarmAsync($"/{Public}/webrtc/warm?token={_publicToken}"), Is.EqualTo(HttpStatusCode.Accepted), _live.Output);
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(
            _live.Output.Contains($"feed of '{Public}' warmed", StringComparison.Ordinal))), Is.Not.Null, _live.Output);
    }
}
