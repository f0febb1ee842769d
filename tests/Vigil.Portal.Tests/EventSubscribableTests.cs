using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Data;

namespace Vigil.Portal.Tests;

/// <summary>
/// The one-camera question each held subscription asks at its renewals gives the answer of the
/// fleet-wide list for that camera, through every way a camera stops being subscribable.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class EventSubscribableTests(string database) : PortalSuite(database)
{
    [Test]
    public async Task OneCameraIsAnsweredAsTheListAnswersIt()
    {
        var store = Portal.Services.GetRequiredService<EventStore>();
        var devices = Portal.Services.GetRequiredService<DeviceStore>();
        var name = Fixtures.Unique("sub-cam");
        var created = await Admin.PostJsonAsync("/api/v1/cameras", new { name, stream_url = "onvif://admin:pw@127.0.0.1:8000/MediaProfile00000" });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var id = created.Json!["id"]!.GetValue<long>();
        var other = await Admin.PostJsonAsync("/api/v1/cameras", new { name = Fixtures.Unique("sub-other"), stream_url = "onvif://admin:pw@127.0.0.1:8001/MediaProfile00000" });
        var otherId = other.Json!["id"]!.GetValue<long>();

        async Task Agrees(bool expected, string why)
        {
            Assert.That(await store.IsSubscribableAsync(id), Is.EqualTo(expected), why);
            Assert.That((await store.SubscribableAsync()).Contains(id), Is.EqualTo(expected), why + " (the list)");
        }

        await Agrees(false, "no device bound");
        var deviceId = Fixtures.Unique("dev").Replace("-", "", StringComparison.Ordinal);
        await devices.HelloAsync(new DeviceHello(deviceId, "key", "fp-" + deviceId, "SN-" + deviceId, "m", "f", "v", "127.0.0.1", "node"));
        await devices.SetCameraAsync(deviceId, id);
        await Agrees(false, "bound, still pending");
        await devices.SetStateAsync(deviceId, DeviceStates.Approved);
        await Agrees(true, "bound and approved");
        Assert.That(await store.IsSubscribableAsync(otherId), Is.False, "another camera is not answered for this one's device");

        var disabled = await Admin.PatchJsonAsync($"/api/v1/cameras/{name}", new { enabled = false });
        Assert.That(disabled.Status, Is.EqualTo(HttpStatusCode.OK), disabled.Text);
        await Agrees(false, "disabled");
        await Admin.PatchJsonAsync($"/api/v1/cameras/{name}", new { enabled = true });
        await Agrees(true, "enabled again");
        await Admin.PatchJsonAsync($"/api/v1/cameras/{name}", new { stream_url = "rtsp://127.0.0.1:554/stream" });
        await Agrees(false, "no onvif:// source");
        await Admin.PatchJsonAsync($"/api/v1/cameras/{name}", new { stream_url = "onvif://admin:pw@127.0.0.1:8000/MediaProfile00000" });
        await Agrees(true, "an onvif:// source again");
        await devices.SetStateAsync(deviceId, DeviceStates.Revoked);
        await Agrees(false, "revoked");
        Assert.That(await store.IsSubscribableAsync(-1), Is.False, "no such camera");
    }
}
