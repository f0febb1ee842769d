using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// The benchmark of `./build.sh bench live` (explicit: a minute and more of two players): a camera that
/// draws its wall clock into every frame, published into nginx-rtmp; Chromium reads it back from
/// each frame it shows, over WebRTC and over HLS at the same time, for 60 s: glass-to-glass p50 and
/// p95 of each. Before it, click-to-first-frame on the camera page, with the camera's feed running and
/// not (see <see cref="ClickToFirstFrame"/>). Prints the figures.
/// </summary>
[TestFixture, Explicit("a benchmark: ./build.sh bench live")]
public sealed class LiveLatencyBenchTests : LiveBenchFixture
{
    private protected override bool ClockCamera => true;

    /// <summary>
    /// Click to first frame on the camera page, each kind once: the first viewer after the node's start
    /// (no feed, the service itself cold), a viewer while the feed runs (another viewer's, lingering),
    /// a viewer after the feed stopped (no feed, the service warm), and the same with the pointer on the
    /// camera's link 500 ms before the click (the page warms the feed meanwhile). The camera makes a
    /// keyframe every second (25 frames a second, GOP 25): a viewer with no feed running waits for the
    /// next one after ffmpeg starts, up to a second.
    /// </summary>
    [Test, Order(1)]
    public async Task ClickToFirstFrame()
    {
        var first = await PlayAsync(Stack.Config());
        // The first viewer's feed still runs: it lingers LingerSeconds after its last viewer.
        var warm = await PlayAsync(Stack.Config());
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(150), async () => (await Stack.Node.StatsAsync())["feeds"]!.GetValue<int>() == 0), Is.Not.Null,
            "the feed stops after its linger: " + Stack.Logs());
        var cold = await PlayAsync(Stack.Config());
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(150), async () => (await Stack.Node.StatsAsync())["feeds"]!.GetValue<int>() == 0), Is.Not.Null);
        var hover = Stack.Config();
        hover["hover_ms"] = 500;
        var hovered = await PlayAsync(hover);
        Assert.That(Stack.Node.Live.Output, Does.Contain($"feed of '{Stack.Camera}' warmed for a viewer about to come"), "the hover warmed the feed");
        Figure("click_to_first_frame camera: H.264 640x360, 25 frames a second, a keyframe every 25 frames (1 s)");
        foreach (var (kind, r) in (ReadOnlySpan<(string, JsonObject)>)[("first viewer after the node's start (no feed)", first), ("feed running (lingering)", warm),
            ("no feed running", cold), ("no feed running, link hovered 500 ms before the click", hovered)])
        {
            Figure($"click_to_first_frame_ms webrtc, {kind}: {r["first_frame_ms"]} from before the click was sent, {r["first_frame_from_click_event_ms"]} from the page's click event (connected at {r["breakdown"]!["connected"]}; {string.Join(", ", r["breakdown"]!["requests"]!.AsArray().Select(x => x!.GetValue<string>()))})");
        }
    }

    private async Task<JsonObject> PlayAsync(JsonObject config)
    {
        var r = await Browser.RunAsync("webrtc-live", config);
        Assert.That(r["error"], Is.Null, r.ToJsonString() + Stack.Logs());
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"));
        return r;
    }

    [Test, Order(2)]
    public async Task GlassToGlassWebRtcAndHls()
    {
        var seconds = int.Parse(Environment.GetEnvironmentVariable("VIGIL_LIVE_BENCH_SECONDS") ?? "60", CultureInfo.InvariantCulture);
        var config = Stack.Config();
        config["seconds"] = seconds;
        var r = await Browser.RunAsync("live-latency", config, TimeSpan.FromSeconds(seconds + 180));
        Assert.That(r["error"], Is.Null, r.ToJsonString() + Stack.Logs());
        Assert.That((r["webrtc_mode"]!.GetValue<string>(), r["hls_mode"]!.GetValue<string>()), Is.EqualTo(("Live · WebRTC", "Live · HLS (WebRTC: blocked, the streamer's WebRTC address could not be reached from this browser)")));
        foreach (var kind in (string[])["webrtc", "hls"])
        {
            var s = r[kind]!;
            Figure(string.Create(CultureInfo.InvariantCulture,
                $"glass_to_glass_ms {kind} ({seconds} s): n={s["n"]} p50={s["p50"]} p95={s["p95"]} max={s["max"]}"));
        }
        // At least a frame a second read back on each, and WebRTC ahead of HLS.
        Assert.That(r["webrtc"]!["n"]!.GetValue<int>(), Is.GreaterThan(seconds * 10));
        Assert.That(r["hls"]!["n"]!.GetValue<int>(), Is.GreaterThan(seconds * 10));
        Assert.That(r["webrtc"]!["p95"]!.GetValue<double>(), Is.LessThan(r["hls"]!["p50"]!.GetValue<double>()));
    }
}
