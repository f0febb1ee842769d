using System.Net;
using Vigil.Stack;

namespace Vigil.Live.Tests;

/// <summary>
/// POST /CAMERA/webrtc/warm: a page about to open a camera starts its feed ahead of the viewer. It
/// asks the portal as a viewer does (a forged token starts nothing), the warmed feed runs with no
/// viewer and stops after the linger, a viewer who comes meanwhile takes the running feed, and the
/// node runs no more feeds without a viewer than MaxIdleFeeds (1 here): a second camera is declined.
/// </summary>
[TestFixture]
public sealed class WebRtcWarmTests
{
    private readonly HttpClient _http = new();
    private LiveStack _stack = null!;

    [OneTimeSetUp]
    public async Task Start() => _stack = await LiveStack.StartAsync(liveArgs: ["--linger-seconds", "5", "--max-idle-feeds", "1"]);

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    private async Task<string> WarmUrlAsync(string camera) =>
        (await _stack.PlaybackAsync(camera))["live"]!["webrtc"]!.GetValue<string>().Replace("/webrtc?", "/webrtc/warm?", StringComparison.Ordinal);

    private async Task<int> FeedsAsync() => (await _stack.Node.StatsAsync())["feeds"]!.GetValue<int>();

    [Test, Order(1)]
    public async Task AForgedTokenWarmsNothing()
    {
        var url = await WarmUrlAsync(_stack.Camera);
        using var answer = await _http.PostAsync(url[..^1] + (url[^1] == 'A' ? 'B' : 'A'), null);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await answer.Content.ReadAsStringAsync());
        Assert.That(await FeedsAsync(), Is.Zero);
    }

    [Test, Order(2)]
    public async Task AWarmedFeedRunsWithoutAViewerUntilItsLingerEnds()
    {
        using (var answer = await _http.PostAsync(await WarmUrlAsync(_stack.Camera), null))
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await answer.Content.ReadAsStringAsync() + _stack.Logs());
        }
        var stats = await _stack.Node.StatsAsync();
        Assert.That((stats["feeds"]!.GetValue<int>(), stats["viewers"]!.GetValue<int>()), Is.EqualTo((1, 0)), "a feed, no viewer");
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(_stack.Node.Live.Output.Contains($"feed of '{_stack.Camera}' started", StringComparison.Ordinal))),
            Is.Not.Null, _stack.Logs());

        // The node keeps one feed without a viewer here: another camera's warm request is declined.
        using (var second = await _http.PostAsync(await WarmUrlAsync(_stack.OtherCamera), null))
        {
            Assert.That(second.StatusCode, Is.EqualTo((HttpStatusCode)429), await second.Content.ReadAsStringAsync());
        }
        Assert.That(await FeedsAsync(), Is.EqualTo(1));

        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(20), async () => await FeedsAsync() == 0), Is.Not.Null, "the warmed feed stops after its linger: " + _stack.Logs());
        // The feed leaves the table first, then its ffmpeg and mountpoint go, then the line is written.
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(
            _stack.Node.Live.Output.Contains($"feed of '{_stack.Camera}' ended: no viewer left", StringComparison.Ordinal))), Is.Not.Null, _stack.Logs());
    }

    [Test, Order(3)]
    public async Task AViewerAfterAWarmRequestTakesTheRunningFeed()
    {
        var before = CountFeedStarts();
        using (var answer = await _http.PostAsync(await WarmUrlAsync(_stack.Camera), null))
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        var webrtc = (await _stack.PlaybackAsync())["live"]!["webrtc"]!.GetValue<string>();
        using var opened = await _http.PostAsync(webrtc, null);
        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Created), await opened.Content.ReadAsStringAsync() + _stack.Logs());
        Assert.That(await _stack.Node.ViewersAsync(), Is.EqualTo(1));
        await Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(CountFeedStarts() > before));
        Assert.That(CountFeedStarts(), Is.EqualTo(before + 1), "one feed started, by the warm request, and the viewer joined it");
        using var closed = await _http.DeleteAsync($"{_stack.StreamerUrl}{opened.Headers.Location}?{new Uri(webrtc).Query.TrimStart('?')}");
        Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    private int CountFeedStarts() => _stack.Node.Live.Lines("").Count(l => l.Contains($"feed of '{_stack.Camera}' started", StringComparison.Ordinal));
}
