using System.Net;
using Vigil.Portal.Tests.Faults;

namespace Vigil.Portal.Tests;

/// <summary>
/// A streamer that takes H.265 dies: its H.265 camera moves only to a streamer that takes H.265,
/// even when an nginx-rtmp streamer has more room, while its H.264 camera goes where the room is.
/// The streamer that dies is a real nginx whose health the portal probes.
/// </summary>
[NonParallelizable]
public sealed class CodecFailoverTests
{
    [Test]
    public async Task AnH265CameraOfADeadStreamerMovesOnlyWhereH265Goes()
    {
        ClusterRig.RequirePeers();
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite);
        using var admin = await portal.AdminAsync();
        var node = await Fixtures.RelayNodeAsync(portal, admin, "node-codec");
        await using var dying = await ClusterRig.StreamerAsync(admin, portal.BaseAddress, Streaming.Unique("mtx-dying"), kind: "mediamtx", ingestScheme: "rtsp");
        var h265 = await Streaming.CameraAsync(admin, dying.Name);
        var h264 = await Streaming.CameraAsync(admin, dying.Name);

        // The H.265 camera's agent says its codec (a refusal that changes nothing: this streamer takes it).
        var (id, key) = Fixtures.NewDeviceKey();
        var serial = Fixtures.Unique("SN");
        await Fixtures.HelloAsync(node, id, key, serial);
        Assert.That((await admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera = h265 })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var told = await node.PostJsonAsync("/internal/v1/media-refused", new { device_id = id, codec = "H265", reason = "the streamer refused the RTSP ANNOUNCE" });
        Assert.That(told.Status, Is.EqualTo(HttpStatusCode.NoContent), told.Text);
        Assert.That((await admin.GetAsync($"/api/v1/devices/{id}")).Json!["video_codec"]!.GetValue<string>(), Is.EqualTo("h265"));

        // Two streamers that stay up (their health is the portal's own): nginx-rtmp with the most room, MediaMTX with less.
        var healthz = new Uri(portal.BaseAddress, "/healthz").ToString();
        var roomy = Streaming.Unique("nginx-roomy");
        var made = await admin.PostJsonAsync("/api/v1/streamers", new { name = roomy, kind = "nginx-rtmp", api_url = healthz, public_url = "http://127.0.0.1:9", ingest_url = "rtmp://127.0.0.1:9/live", capacity = 100 });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        var mediamtx = Streaming.Unique("mtx");
        made = await admin.PostJsonAsync("/api/v1/streamers", new { name = mediamtx, kind = "mediamtx", api_url = healthz, public_url = "http://127.0.0.1:9", ingest_url = "rtsp://127.0.0.1:9/live", capacity = 10 });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);

        await dying.KillAsync();
        async Task<string> StreamerOf(string camera) => (await admin.GetAsync($"/api/v1/cameras/{camera}")).Json!["streamer"]!.GetValue<string>();
        Assert.That(await Eventually.True(async () => await StreamerOf(h265) != dying.Name && await StreamerOf(h264) != dying.Name, 20), Is.True,
            "both cameras leave the dead streamer\n" + portal.Log.Text);
        Assert.That(await StreamerOf(h265), Is.EqualTo(mediamtx), "H.265 goes only where it can be ingested, not where the most room is");
        Assert.That(await StreamerOf(h264), Is.EqualTo(roomy), "H.264 goes where the most room is");
    }
}
