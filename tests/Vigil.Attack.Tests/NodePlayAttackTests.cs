using System.Net;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// The streamer node's own play (vigil-live feeding Janus from nginx-rtmp: node=KEY instead of a
/// viewer's token) against a real portal process, asked as nginx-rtmp asks its on_play hook. It
/// opens a camera only for the asking streamer's own hook key, from the node itself (loopback), for
/// a camera placed on that streamer: another streamer's key, a guessed one, a remote address or
/// another streamer's camera get nothing.
/// </summary>
public sealed class NodePlayAttackTests
{
    private AttackPortal _portal = null!;
    private string _edgeHook = "";
    private string _otherHook = "";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AttackPortal.StartAsync("node-play");
        _edgeHook = (await _portal.StreamerAsync("edge", "nginx-rtmp", "http://127.0.0.1:1", "rtmp://127.0.0.1:2/live"))["nginx_rtmp"]!.GetValue<string>();
        _otherHook = (await _portal.StreamerAsync("other", "nginx-rtmp", "http://127.0.0.1:3", "rtmp://127.0.0.1:4/live"))["nginx_rtmp"]!.GetValue<string>();
        await _portal.CameraAsync(new { name = "on-edge", access = "private", streamer = "edge" });
        await _portal.CameraAsync(new { name = "on-other", access = "private", streamer = "other" });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private static string KeyOf(string hook) => Uri.UnescapeDataString(hook[(hook.IndexOf("key=", StringComparison.Ordinal) + 4)..]);

    /// <summary>An on_play (or on_update) of nginx-rtmp on the edge streamer: the play URL's query (node=...) comes as form fields.</summary>
    private async Task<HttpStatusCode> PlayAsync(string camera, string node, string addr, string call = "play")
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["call"] = call, ["app"] = "live", ["name"] = camera, ["addr"] = addr, ["clientid"] = "7",
            ["tcurl"] = "rtmp://127.0.0.1:2/live", ["node"] = node,
        });
        using var answer = await _http.PostAsync(_edgeHook, form);
        return answer.StatusCode;
    }

    /// <summary>What makes the refusals below mean something: the node's own key, from loopback, for its camera, plays (and keeps playing).</summary>
    [Test]
    public async Task TheNodesOwnKeyFromLoopbackPlaysItsCamera()
    {
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook), "127.0.0.1"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook), "::1", "update_play"), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AnotherStreamersKeyPlaysNothing() =>
        Assert.That(await PlayAsync("on-edge", KeyOf(_otherHook), "127.0.0.1"), Is.EqualTo(HttpStatusCode.Forbidden));

    [Test]
    public async Task AGuessedOrEmptyLookingKeyPlaysNothing()
    {
        Assert.That(await PlayAsync("on-edge", "hk_" + new string('A', 43), "127.0.0.1"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook) + "x", "127.0.0.1"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PlayAsync("on-edge", new string('k', 5000), "127.0.0.1"), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    /// <summary>The key leaked to a viewer (in a log, a misconfigured page) still does not play from outside the node.</summary>
    [Test]
    public async Task TheNodesKeyFromAnotherAddressPlaysNothing()
    {
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook), "203.0.113.9"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook), "127.0.0.1.evil"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await PlayAsync("on-edge", KeyOf(_edgeHook), ""), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TheNodesKeyDoesNotPlayAnotherStreamersCamera() =>
        Assert.That(await PlayAsync("on-other", KeyOf(_edgeHook), "127.0.0.1"), Is.EqualTo(HttpStatusCode.Forbidden));

    [Test]
    public async Task TheRefusalsAreLoggedWithoutTheKey()
    {
        await PlayAsync("on-edge", KeyOf(_otherHook), "127.0.0.1");
        await PlayAsync("on-edge", KeyOf(_edgeHook), "203.0.113.9");
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(
            _portal.Process.Log.Contains("play of 'on-edge' from 203.0.113.9 denied: node play from another address than the node itself", StringComparison.Ordinal))),
            Is.Not.Null, _portal.Process.Log);
        Assert.That(_portal.Process.Log, Does.Contain("denied: node play with a key that is not this streamer's hook key"));
        Assert.That(_portal.Process.Log, Does.Not.Contain(KeyOf(_edgeHook)).And.Not.Contain(KeyOf(_otherHook)));
    }
}
