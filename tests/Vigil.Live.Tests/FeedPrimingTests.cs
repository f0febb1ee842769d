using System.Text.Json.Nodes;
using Vigil.Web.Tests;

namespace Vigil.Live.Tests;

/// <summary>
/// A new feed starts with the camera's latest keyframe, taken from the node's own HLS, instead of
/// waiting for the camera's next one. The camera draws its wall clock into every frame and makes a
/// keyframe every 12 s (300 frames at 25 a second); the viewer opens the camera with no feed running,
/// just after a keyframe (its login takes a few seconds), so that the camera's next one comes long
/// after the viewer is connected.
/// Without priming, nginx-rtmp gives the feed's ffmpeg nothing to start from (no GOP cache), so the
/// first frame a viewer can see is made after the viewer asked; with it, the first frame is one the
/// camera made before the click, and the live frames follow.
/// </summary>
[TestFixture]
public sealed class FeedPrimingTests
{
    private const int Gop = 300;
    private LiveStack _stack = null!;

    [OneTimeSetUp]
    public async Task StartStack() => _stack = await LiveStack.StartAsync(clockCamera: true, gop: Gop);

    [OneTimeTearDown]
    public async Task StopStack()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Test]
    public async Task AViewerWithNoFeedRunningFirstSeesTheCamerasLatestKeyframeThenLive()
    {
        // HLS fragments are cut at keyframes: wait for the second, so that a whole keyframe is on disk.
        var hls = Path.Combine(_stack.HlsDir, _stack.Camera);
        Assert.That(await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(Directory.GetFiles(hls, "*.ts").Length >= 2)), Is.Not.Null,
            "nginx-rtmp writes the camera's HLS fragments");
        Assert.That((await _stack.Node.StatsAsync())["feeds"]!.GetValue<int>(), Is.Zero, "no feed runs before the viewer comes");
        // A new fragment begins at each keyframe: the viewer comes right after one.
        var newest = Newest(hls);
        Assert.That(await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(Newest(hls) != newest)), Is.Not.Null,
            "the camera's next keyframe begins a fragment");

        var config = _stack.Config();
        config["read_clock"] = true;
        var r = await Browser.RunAsync("webrtc-live", config);
        var log = r.ToJsonString() + "\n" + _stack.Logs();
        Assert.That(r["error"], Is.Null, log);
        Assert.That(r["mode"]!.GetValue<string>(), Is.EqualTo("Live · WebRTC"), log);
        Assert.That(_stack.Node.Live.Output, Does.Contain($"feed of '{_stack.Camera}' primed with the latest keyframe"), log);

        var clicked = r["clicked_at"]!.GetValue<long>();
        var (firstShown, firstMade) = Pair(r["first_clock"]);
        var (liveShown, liveMade) = Pair(r["first_live_clock"]);
        var (lastShown, lastMade) = Pair(r["last_clock"]);
        TestContext.Out.WriteLine($"first frame shown {firstShown - clicked} ms after the click, made {clicked - firstMade} ms before it; " +
            $"the first live frame shown {liveShown - clicked} ms after the click, {liveShown - liveMade} ms after it was made; 2 s later a frame {lastShown - lastMade} ms old");
        Assert.That(firstMade, Is.LessThan(clicked), "the first frame is the keyframe the camera made before the viewer clicked: " + log);
        Assert.That(firstMade, Is.GreaterThan(clicked - 2 * Gop * 40 - 2000), "and it is the camera's latest, not an old one");
        // Then the live video, from the camera's next keyframe: frames made after the click, shown well
        // under a second after they were made (the switch from the kept picture adds no delay).
        Assert.That(lastMade, Is.GreaterThan(liveMade), "the live video runs on: " + log);
        Assert.That(liveShown - liveMade, Is.LessThan(1000), "live, not behind: " + log);
        Assert.That(lastShown - lastMade, Is.LessThan(1000), "live, not behind: " + log);
    }

    /// <summary>The newest HLS fragment's name (nginx-rtmp numbers them in order, and deletes old ones).</summary>
    private static string? Newest(string hls) => new DirectoryInfo(hls).EnumerateFiles("*.ts").MaxBy(f => f.LastWriteTimeUtc)?.Name;

    private static (long Shown, long Made) Pair(JsonNode? pair)
    {
        Assert.That(pair, Is.Not.Null, "the page read the camera's clock from its frames");
        return (pair![0]!.GetValue<long>(), pair[1]!.GetValue<long>());
    }
}
