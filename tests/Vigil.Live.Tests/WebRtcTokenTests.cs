using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Auth;
using Vigil.Portal.Playback;

namespace Vigil.Live.Tests;

/// <summary>
/// Through the node's nginx, as a viewer's browser signals: a forged, expired or other camera's
/// token, or none, gets no WebRTC session (no Janus session, no feed started); a good one gets
/// Janus's H.264 offer, and its DELETE ends the session.
/// </summary>
[TestFixture]
public sealed class WebRtcTokenTests : LiveStackFixture
{
    private readonly HttpClient _http = new();

    [OneTimeTearDown]
    public void DisposeClient() => _http.Dispose();

    private string WebRtc(string camera, string token) => $"{Stack.StreamerUrl}/{camera}/webrtc?token={token}";

    private async Task<string> TokenAsync(string camera) => Vigil.Portal.Tests.Streaming.TokenOf((await Stack.PlaybackAsync(camera))["live"]!["hls"]);

    private async Task AssertRefusedAsync(string url, HttpStatusCode status)
    {
        using var answer = await _http.PostAsync(url, null);
        Assert.That(answer.StatusCode, Is.EqualTo(status), await answer.Content.ReadAsStringAsync());
        var stats = await Stack.Node.StatsAsync();
        Assert.That(stats["viewers"]!.GetValue<int>(), Is.Zero, "no session");
        Assert.That(stats["feeds"]!.GetValue<int>(), Is.Zero, "nothing was started for a refused viewer");
    }

    [Test]
    public async Task AForgedTokenGetsNoSession()
    {
        var token = await TokenAsync(Stack.Camera);
        var last = token[^1] == 'A' ? 'B' : 'A';
        await AssertRefusedAsync(WebRtc(Stack.Camera, token[..^1] + last), HttpStatusCode.Forbidden);
        Assert.That(Stack.Portal.Log.Text, Does.Contain($"play of '{Stack.Camera}' from 127.0.0.1 denied: token not signed by this installation"));
    }

    [Test]
    public async Task AnExpiredTokenGetsNoSession()
    {
        var key = Stack.Portal.Services.GetRequiredService<PortalSecrets>().TokenKey;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expired = PlaybackToken.Issue(key, Stack.ViewerId, Stack.Camera, PlaybackKind.Live, now - 120, now - 5);
        await AssertRefusedAsync(WebRtc(Stack.Camera, expired), HttpStatusCode.Forbidden);
        Assert.That(Stack.Portal.Log.Text, Does.Contain($"play of '{Stack.Camera}' from 127.0.0.1 denied: token expired"));
    }

    [Test]
    public async Task AnotherCamerasTokenGetsNoSession()
    {
        var other = await TokenAsync(Stack.OtherCamera);
        await AssertRefusedAsync(WebRtc(Stack.Camera, other), HttpStatusCode.Forbidden);
        Assert.That(Stack.Portal.Log.Text, Does.Contain($"play of '{Stack.Camera}' from 127.0.0.1 denied: token issued for another camera"));
    }

    [Test]
    public async Task NoTokenGetsNoSession()
    {
        using var answer = await _http.PostAsync($"{Stack.StreamerUrl}/{Stack.Camera}/webrtc", null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await Stack.Node.ViewersAsync(), Is.Zero);
    }

    [Test]
    public async Task AGoodTokenGetsJanusOfferAndDeleteEndsTheSession()
    {
        var token = await TokenAsync(Stack.Camera);
        using var opened = await _http.PostAsync(WebRtc(Stack.Camera, token), null);
        var body = await opened.Content.ReadAsStringAsync();
        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Created), body + Stack.Logs());
        var offer = JsonNode.Parse(body)!;
        Assert.That(offer["type"]!.GetValue<string>(), Is.EqualTo("offer"));
        Assert.That(offer["sdp"]!.GetValue<string>(), Does.Contain("a=rtpmap:96 H264/90000").And.Contain("a=sendonly").And.Contain("typ host"));
        Assert.That(opened.Headers.Location!.ToString(), Is.EqualTo($"/{Stack.Camera}/webrtc/{offer["session"]}"));
        Assert.That(await Stack.Node.ViewersAsync(), Is.EqualTo(1));

        // Another camera's token does not end someone else's session.
        using (var wrong = await _http.DeleteAsync($"{Stack.StreamerUrl}{opened.Headers.Location}?token={await TokenAsync(Stack.OtherCamera)}"))
        {
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
        using var closed = await _http.DeleteAsync($"{Stack.StreamerUrl}{opened.Headers.Location}?token={token}");
        Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(5), async () => await Stack.Node.ViewersAsync() == 0), Is.Not.Null, Stack.Logs());
        Assert.That(await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(15), async () => (await Stack.Node.StatsAsync())["feeds"]!.GetValue<int>() == 0),
            Is.Not.Null, "the feed lingers a few seconds after its last viewer, then ends");
    }
}
