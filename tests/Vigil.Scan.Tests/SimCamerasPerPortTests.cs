using System.Net;
using System.Net.Sockets;
using Vigil.Onvif.Client;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// One simulator process playing many cameras on one address, a port each (what `bench
/// subscriptions` runs a thousand of): each port answers as its own device, and an event raised
/// at one camera reaches only that camera's subscriptions.
/// </summary>
[TestFixture]
public sealed class SimCamerasPerPortTests
{
    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Test]
    public async Task EachPortIsItsOwnCameraWithItsOwnEvents()
    {
        var ports = new[] { FreePort(), FreePort() };
        Assume.That(ports[0], Is.Not.EqualTo(ports[1]));
        var devices = ports.Select((p, i) => new SimDevice
        {
            Address = "127.0.0.1",
            Wsd = "none",
            Onvif = new SimOnvif { Flavour = "hik", Port = p, Identity = new SimIdentity("Hikvision", "DS-2CD2143G2-I", $"SERIAL-{i}", "V5.7.3") },
        }).ToList();
        await using var server = await SimHttpServer.StartAsync(new SimConfig { DataDir = TestData.Dir, Devices = devices },
            ports.Select(p => new IPEndPoint(IPAddress.Loopback, p)));
        using var http = new HttpClient(OnvifHttp.CreateHandler(TimeSpan.FromSeconds(2))) { Timeout = Timeout.InfiniteTimeSpan };
        var clients = ports.Select(p => new OnvifClient(http, new Uri($"http://127.0.0.1:{p}/onvif/device_service"), new OnvifCredentials("admin", "x"))).ToList();

        Assert.That((await clients[0].GetDeviceInformationAsync()).SerialNumber, Is.EqualTo("SERIAL-0"));
        Assert.That((await clients[1].GetDeviceInformationAsync()).SerialNumber, Is.EqualTo("SERIAL-1"));

        var subscriptions = new List<Uri>();
        for (var i = 0; i < 2; i++)
        {
            var events = new Uri($"http://127.0.0.1:{ports[i]}/onvif/Events");
            var made = await clients[i].CreatePullPointSubscriptionAsync(events, TimeSpan.FromSeconds(60));
            subscriptions.Add(new UriBuilder(made.Address) { Host = "127.0.0.1", Port = ports[i] }.Uri);
        }
        Assert.That(devices.Select(d => server.EventsOf(d).Subscriptions), Is.EqualTo(new[] { 1, 1 }), "one subscription at each camera");

        server.EventsOf(devices[1]).Raise("motion");
        var atSecond = await clients[1].PullMessagesAsync(subscriptions[1], TimeSpan.FromSeconds(2), 10);
        var atFirst = await clients[0].PullMessagesAsync(subscriptions[0], TimeSpan.FromSeconds(1), 10);
        Assert.That(atSecond.Select(e => e.Topic), Is.EqualTo(new[] { "tns1:RuleEngine/CellMotionDetector/Motion" }), "the camera the event was raised at");
        Assert.That(atFirst, Is.Empty, "the other camera saw nothing");
    }
}
