using System.Net;

namespace Vigil.Portal.Tests;

/// <summary>
/// An agent refuses its assignment because its camera sends H.265 and its streamer is nginx-rtmp;
/// its relay node tells the portal. The device shows the codec and the reason; the camera moves
/// to a streamer that takes H.265 (MediaMTX with an RTSP ingest) when there is one, and the
/// assignment follows it; a node speaks only for the devices it holds.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class MediaRefusalTests(string database)
{
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _node = null!;
    private PortalClient _otherNode = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        _node = await Fixtures.RelayNodeAsync(_portal, _admin, "node-m");
        _otherNode = await Fixtures.RelayNodeAsync(_portal, _admin, "node-n");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _portal.DisposeAsync();

    [Test]
    public async Task AnH265CameraRefusedByNginxRtmpMovesToAStreamerThatTakesIt()
    {
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        await Fixtures.HelloAsync(_node, id, key, serial);
        await Fixtures.StreamerAsync(_admin, Fixtures.Unique("nginx"));
        var camera = Fixtures.Unique("cam");
        await Fixtures.CameraAsync(_admin, camera);
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var before = (await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"]!;
        Assert.That(before["target"]!.GetValue<string>(), Does.StartWith("rtmp://"));

        const string Reason = "the camera sends H265 video, which RTMP to this streamer cannot carry (FLV carries H.264)";
        var refusal = new { device_id = id, codec = "H265", reason = Reason };
        Assert.That((await _otherNode.PostJsonAsync("/internal/v1/media-refused", refusal)).Status, Is.EqualTo(HttpStatusCode.NotFound), "another node does not speak for this device");
        var told = await _node.PostJsonAsync("/internal/v1/media-refused", refusal);
        Assert.That(told.Status, Is.EqualTo(HttpStatusCode.NoContent), told.Text);
        var device = (await _admin.GetAsync($"/api/v1/devices/{id}")).Json!;
        Assert.That(device["video_codec"]!.GetValue<string>(), Is.EqualTo("h265"));
        Assert.That(device["media_error"]!.GetValue<string>(), Does.Contain(Reason).And.Contain("no streamer takes h265"));
        Assert.That((await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"]!["target"]!.GetValue<string>(), Does.StartWith("rtmp://"), "nowhere better to go");

        // A streamer that takes H.265 comes: the next refusal moves the camera there.
        var mediamtx = Fixtures.Unique("mtx");
        var made = await _admin.PostJsonAsync("/api/v1/streamers", new { name = mediamtx, kind = "mediamtx", public_url = "http://127.0.0.1:8889", ingest_url = "rtsp://127.0.0.1:8554/live", capacity = 10 });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        Assert.That((await _node.PostJsonAsync("/internal/v1/media-refused", refusal)).Status, Is.EqualTo(HttpStatusCode.NoContent));
        device = (await _admin.GetAsync($"/api/v1/devices/{id}")).Json!;
        Assert.That(device["media_error"]!.GetValue<string>(), Does.Contain($"moved to streamer {mediamtx}"));
        Assert.That((await _admin.GetAsync($"/api/v1/cameras/{camera}")).Json!["streamer"]!.GetValue<string>(), Is.EqualTo(mediamtx));
        var after = (await Fixtures.HelloAsync(_node, id, key, serial)).Json!["assignment"]!;
        Assert.That(after["target"]!.GetValue<string>(), Is.EqualTo($"rtsp://127.0.0.1:8554/live/{camera}"));
    }

    [Test]
    public async Task ARefusalIsCheckedLikeAnyInput()
    {
        var bad = await _node.PostJsonAsync("/internal/v1/media-refused", new { device_id = "x", codec = new string('h', 100), reason = "r" });
        Assert.That(bad.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await _admin.PostJsonAsync("/internal/v1/media-refused", new { device_id = "x", codec = "H265", reason = "r" })).Status, Is.EqualTo(HttpStatusCode.Unauthorized), "a user's token is not a node's");
    }
}
