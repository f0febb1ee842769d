using System.Text.Json.Nodes;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// Chromium on the camera page: it plays over WebRTC (Janus fed from nginx-rtmp by vigil-live), says
/// so, and its video advances; with WebRTC's signaling blocked it falls back to HLS by itself.
/// </summary>
[TestFixture]
public sealed class WebRtcPlaybackTests : LiveStackFixture
{

    [Test, Order(1)]
    public async Task TheCameraPageOpensOnWebRtcAndItsVideoAdvances()
    {
        var r = await Browser.RunAsync("webrtc-live", Stack.Config());
        var log = r.ToJsonString() + "\n" + Stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"), log);
        Assert.That(r["webrtc"]!.GetValue<bool>(), Is.True, "the player's source is a WebRTC MediaStream, not HLS");
        Assert.That(r["size"]!.GetValue<string>(), Is.EqualTo("640x360"), "the camera's own picture, not re-encoded to another size");
        Assert.That(r["advanced_seconds"]!.GetValue<double>(), Is.GreaterThan(2.0), log);
        Assert.That(r["frames_in_3s"]!.GetValue<int>(), Is.GreaterThan(40), "about 25 frames a second were shown");
        TestContext.Out.WriteLine($"click to first frame over WebRTC: {r["first_frame_ms"]} ms");
        Assert.That(Stack.Node.Live.Output, Does.Contain($"feed of '{Stack.Camera}' started"));
        Assert.That(Stack.Node.Live.Output, Does.Not.Contain("at start"), "vigil-live reached Janus and the portal when it started");
    }

    [Test, Order(2)]
    public async Task TheFeedEndsAfterTheLastViewerLeaves()
    {
        // The scenario's browser closed at its end: its session was deleted or hung up, then the feed lingered 5 s.
        var gone = await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(40), async () => (await Stack.Node.StatsAsync())["feeds"]!.GetValue<int>() == 0);
        Assert.That(gone, Is.Not.Null, Stack.Logs());
        Assert.That(await Stack.Node.ViewersAsync(), Is.Zero);
        Assert.That(await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(
            Stack.Node.Live.Output.Contains($"feed of '{Stack.Camera}' ended: no viewer left", StringComparison.Ordinal))), Is.Not.Null, Stack.Logs());
    }

    [Test, Order(3)]
    public async Task WithWebRtcBlockedThePageFallsBackToHlsAndPlays()
    {
        var config = Stack.Config();
        config["block_webrtc"] = true;
        var r = await Browser.RunAsync("webrtc-live", config);
        var log = r.ToJsonString() + "\n" + Stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Does.StartWith("Live · HLS (WebRTC: "), "the page says it plays HLS, and why");
        Assert.That(r["hls"]!.GetValue<bool>(), Is.True, log);
        Assert.That(r["advanced_seconds"]!.GetValue<double>(), Is.GreaterThan(1.0), log);
    }

    /// <summary>
    /// A viewer that may use relayed candidates only (iceTransportPolicy relay, as behind a NAT that
    /// lets no direct UDP through) plays through the node's coturn with the credentials the portal
    /// handed out, which coturn checks with its shared secret.
    /// </summary>
    [Test, Order(5)]
    public async Task AViewerLimitedToTurnPlaysThroughCoturnWithThePortalsCredentials()
    {
        var config = Stack.Config();
        config["force_relay"] = true;
        var r = await Browser.RunAsync("webrtc-live", config);
        var log = r.ToJsonString() + "\n" + Stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"), log);
        Assert.That(r["frames_in_3s"]!.GetValue<int>(), Is.GreaterThan(40), log);
        var local = r["local_candidate"]!;
        Assert.That(local["type"]!.GetValue<string>(), Is.EqualTo("relay"), "the media flows through coturn: " + log);
        Assert.That(local["url"]!.GetValue<string>(), Does.StartWith($"turn:127.0.0.1:{Stack.TurnPort}"), "the TURN server the portal named");
    }

    [Test, Order(4)]
    public async Task ThePlaybackAnswerCarriesTheWebRtcUrlAndShortLivedTurnCredentials()
    {
        var answer = await Stack.PlaybackAsync();
        var live = answer["live"]!;
        Assert.That(live["webrtc"]!.GetValue<string>(), Does.StartWith($"{Stack.StreamerUrl}/{Stack.Camera}/webrtc?token=pt1."));
        var servers = live["ice_servers"]!.AsArray();
        var turn = servers.Single(s => s!["username"] is JsonValue)!;
        var username = turn["username"]!.GetValue<string>();
        var expiry = long.Parse(username.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(expiry, Is.EqualTo(answer["expires_at"]!.GetValue<long>()), "TURN ends with the playback token");
        Assert.That(username, Does.EndWith($":{Stack.ViewerId}"));
        using var hmac = new System.Security.Cryptography.HMACSHA1(System.Text.Encoding.UTF8.GetBytes(Stack.TurnSecret));
        Assert.That(turn["credential"]!.GetValue<string>(), Is.EqualTo(Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes(username)))),
            "coturn's use-auth-secret password: base64(HMAC-SHA1(secret, username))");
        Assert.That(turn["urls"]!.AsArray().Select(u => u!.GetValue<string>()), Does.Contain($"turn:127.0.0.1:{Stack.TurnPort}?transport=udp"));
    }
}
