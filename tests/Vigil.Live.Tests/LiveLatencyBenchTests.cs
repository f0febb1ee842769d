using System.Globalization;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// The benchmark of `./build.sh bench live` (explicit: a minute and more of two players): a camera that
/// draws its wall clock into every frame, published into nginx-rtmp; Chromium reads it back from
/// each frame it shows, over WebRTC and over HLS at the same time, for 60 s: glass-to-glass p50 and
/// p95 of each. Then click-to-first-frame on the camera page, with the camera's feed cold (the first
/// viewer starts it) and warm (another viewer's feed is running). Prints the figures.
/// </summary>
[TestFixture, Explicit("a benchmark: ./build.sh bench live")]
public sealed class LiveLatencyBenchTests
{
    private LiveStack _stack = null!;

    [OneTimeSetUp]
    public async Task Start() => _stack = await LiveStack.StartAsync(clockCamera: true);

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    private static void Figure(string line)
    {
        TestContext.Out.WriteLine(line);
        Console.WriteLine(line);
    }

    [Test, Order(1)]
    public async Task ClickToFirstFrame()
    {
        var cold = await Browser.RunAsync("webrtc-live", _stack.Config());
        Assert.That(cold["error"], Is.Null, cold.ToJsonString() + _stack.Logs());
        // The first viewer's feed still runs (its session ends 15 s after its page went silent).
        var warm = await Browser.RunAsync("webrtc-live", _stack.Config());
        Assert.That(warm["error"], Is.Null, warm.ToJsonString());
        Assert.That((cold["mode"]!.GetValue<string>(), warm["mode"]!.GetValue<string>()), Is.EqualTo(("Live · WebRTC", "Live · WebRTC")));
        Figure(string.Create(CultureInfo.InvariantCulture,
            $"click_to_first_frame_ms webrtc: cold feed {cold["first_frame_ms"]}, warm feed {warm["first_frame_ms"]}"));
    }

    [Test, Order(2)]
    public async Task GlassToGlassWebRtcAndHls()
    {
        var seconds = int.Parse(Environment.GetEnvironmentVariable("VIGIL_LIVE_BENCH_SECONDS") ?? "60", CultureInfo.InvariantCulture);
        var config = _stack.Config();
        config["seconds"] = seconds;
        var r = await Browser.RunAsync("live-latency", config, TimeSpan.FromSeconds(seconds + 180));
        Assert.That(r["error"], Is.Null, r.ToJsonString() + _stack.Logs());
        Assert.That((r["webrtc_mode"]!.GetValue<string>(), r["hls_mode"]!.GetValue<string>()), Is.EqualTo(("Live · WebRTC", "Live · HLS (WebRTC: Failed to fetch)")));
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
