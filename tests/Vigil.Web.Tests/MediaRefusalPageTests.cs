using System.Net;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// The devices page in a real Chromium shows why a device's agent refused its assignment (the
/// codec its camera sends and what the portal did), as the relay node reported it.
/// </summary>
[TestFixture]
public sealed class MediaRefusalPageTests
{
    private const string Serial = "WEB-H265-0001";
    private const string Reason = "the camera sends H265 video, which RTMP to this streamer cannot carry (FLV carries H.264)";
    private WebStack _stack = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _stack = await WebStack.StartAsync();
        using var admin = await _stack.Portal.AdminAsync();
        // A second node, registered like any: the device says hello through it, and it reports the refusal.
        using var node = await Fixtures.RelayNodeAsync(_stack.Portal, admin, "web-node");
        var (id, key) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(node, id, key, Serial);
        var told = await node.PostJsonAsync("/internal/v1/media-refused", new { device_id = id, codec = "H265", reason = Reason });
        Assert.That(told.Status, Is.EqualTo(HttpStatusCode.NoContent), told.Text);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Test]
    public async Task TheDevicesPageSaysWhyStreamingWasRefused()
    {
        var config = _stack.Config();
        config["refused_serial"] = Serial;
        var r = await Browser.RunAsync(_stack, "media-refused", extra: config);
        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["media_error"]!.GetValue<string>(), Does.StartWith("Streaming refused: " + Reason).And.Contain("bound to no camera"));
        Assert.That(r["media_error_role"]!.GetValue<string>(), Is.EqualTo("status"), "read out by screen readers");
        Assert.That(r["card_text"]!.GetValue<string>(), Does.Contain("Video codec").And.Contain("H265"));
    }
}
