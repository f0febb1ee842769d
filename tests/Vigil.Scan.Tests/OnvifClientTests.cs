using System.Net;
using System.Net.Sockets;
using Vigil.Onvif.Client;
using Vigil.Onvif.Scanning;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>
/// The ONVIF client against the simulated camera's real HTTP server on loopback: both ways of
/// authenticating, the clock offset, every media flavour, a connect callback in place of the
/// network (as the portal will use through a relay tunnel), and hostile answers.
/// </summary>
[TestFixture]
public sealed class OnvifClientTests
{
    private static readonly OnvifCredentials Admin = new("admin", "secret");

    private static async Task<(SimHttpServer Server, Uri Device)> StartAsync(SimOnvif onvif)
    {
        var config = new SimConfig { DataDir = TestData.Dir, Devices = [new SimDevice { Address = "127.0.0.1", Onvif = onvif }] };
        var server = await SimHttpServer.StartAsync(config, [new IPEndPoint(IPAddress.Loopback, 0)]);
        return (server, new Uri($"http://127.0.0.1:{server.Ports.Single()}/onvif/device_service"));
    }

    private static SimOnvif Camera(string flavour = "dahua", string auth = "wsse", int skew = 0, string http = "normal") =>
        new() { Flavour = flavour, Auth = auth, User = "admin", Password = "secret", ClockSkewSeconds = skew, Http = http };

    private static HttpClient Http() => new(OnvifHttp.CreateHandler(TimeSpan.FromSeconds(2))) { Timeout = Timeout.InfiniteTimeSpan };

    [Test]
    public async Task TheUsernameTokenPassesOnlyInTheDevicesTime()
    {
        var (server, device) = await StartAsync(Camera(skew: -7200));
        await using var _ = server;
        using var http = Http();
        var unsynced = new OnvifClient(http, device, Admin);
        var refused = Assert.ThrowsAsync<OnvifException>(() => unsynced.GetDeviceInformationAsync())!;
        Assert.That(refused.Kind, Is.EqualTo(OnvifErrorKind.NotAuthorized));

        var client = new OnvifClient(http, device, Admin);
        var clock = await client.SyncClockAsync();
        Assert.That(client.ClockOffset.TotalSeconds, Is.EqualTo(-7200).Within(3));
        Assert.That(clock.TimeZone, Is.EqualTo("GMT+08:00"), "the captured Dahua answer");
        var info = await client.GetDeviceInformationAsync();
        Assert.That((info.Manufacturer, info.Model, info.SerialNumber), Is.EqualTo(("Dahua", "IPC-HFW2228M-I1-V2", "4L0A2B3PAJ12345")));
        var (_, body, _) = server.Requests.Last(r => r.Operation == "GetDeviceInformation");
        Assert.That(body, Does.Contain("#PasswordDigest").And.Not.Contain("secret"), "the password never travels in clear");
    }

    [Test]
    public async Task HttpDigestAnswersTheChallengeOnceAndRefusesWrongCredentials()
    {
        var (server, device) = await StartAsync(Camera(flavour: "hik", auth: "digest"));
        await using var _ = server;
        using var http = Http();
        var client = new OnvifClient(http, device, Admin);
        var media = (await client.GetServicesAsync()).Single(s => s.Namespace == OnvifNamespaces.Media).Address;
        var profiles = await client.GetProfilesAsync(media);
        Assert.That(profiles, Has.Count.EqualTo(36), "the captured Hikvision answer");
        Assert.That(server.Requests.Count(r => string.IsNullOrEmpty(r.Authorization)), Is.EqualTo(1), "one challenge, then every request answers it");
        Assert.That(server.Requests.Where(r => !string.IsNullOrEmpty(r.Authorization)).All(r => !r.Authorization!.Contains("secret", StringComparison.Ordinal)), Is.True);

        var wrong = new OnvifClient(http, device, new OnvifCredentials("admin", "wrong"));
        var before = server.Requests.Count;
        var e = Assert.ThrowsAsync<OnvifException>(() => wrong.GetDeviceInformationAsync())!;
        Assert.That(e.Kind, Is.EqualTo(OnvifErrorKind.NotAuthorized));
        Assert.That(e.Message, Does.Contain("refused the credentials"));
        Assert.That(server.Requests.Count - before, Is.EqualTo(2), "one try without, one with the digest: no loop");

        var none = new OnvifClient(http, device);
        Assert.That(Assert.ThrowsAsync<OnvifException>(() => none.GetDeviceInformationAsync())!.Message, Does.Contain("wants credentials"));
    }

    [TestCase("dahua", "MediaProfile000", "H264")]
    [TestCase("hik", "MediaProfile00000", null)]
    [TestCase("media2", "Profile_1", "H265")]
    [TestCase("old", "MediaProfile000", "H264")]
    public async Task EveryFlavourYieldsRtspAddresses(string flavour, string firstToken, string? encoding)
    {
        var (server, device) = await StartAsync(Camera(flavour: flavour, auth: "wsse", skew: 90));
        await using var _ = server;
        using var http = Http();
        var outcome = await OnvifDeviceQuery.RunAsync(http, [device], Admin, new OnvifClientOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        Assert.That(outcome.Error, Is.Null);
        Assert.That(outcome.Answered, Is.EqualTo(device));
        var first = outcome.Streams[0];
        Assert.That((first.Token, first.VideoEncoding), Is.EqualTo((firstToken, encoding)));
        Assert.That(first.RtspUri, Is.EqualTo($"rtsp://127.0.0.1:554/stream/{firstToken}"));
        Assert.That(first.SnapshotUri, Does.EndWith($"/snapshot/{firstToken}.jpg"));
        Assert.That(server.Requests.Select(r => r.Operation), Does.Contain(flavour == "old" ? "GetCapabilities" : "GetServices"));
    }

    [Test]
    public async Task TheClientRunsOverAConnectCallbackAndRebasesServiceAddresses()
    {
        var (server, real) = await StartAsync(Camera(flavour: "media2", auth: "wsse"));
        await using var _ = server;
        var dialed = new List<DnsEndPoint>();
        // A stand-in for a relay tunnel: whatever host the URI names, the bytes go to the camera.
        using var http = new HttpClient(OnvifHttp.ConnectThrough(async (endpoint, ct) =>
        {
            lock (dialed)
            {
                dialed.Add(endpoint);
            }
            return await OnvifHttp.ConnectTcpAsync(new DnsEndPoint("127.0.0.1", real.Port), ct);
        }));
        var device = new Uri("http://camera-7.tunnel.invalid:8899/onvif/device_service");
        var client = new OnvifClient(http, device, Admin);
        await client.SyncClockAsync();
        var services = await client.GetServicesAsync();
        // The camera says its media service is on its own LAN address; through the tunnel that is
        // unreachable, so the client moves it onto the address the device service was reached at.
        Assert.That(services.Single(s => s.Namespace == OnvifNamespaces.Media2).Address.ToString(), Is.EqualTo("http://camera-7.tunnel.invalid:8899/onvif/Media2"));
        var media2 = services.Single(s => s.Namespace == OnvifNamespaces.Media2).Address;
        var profiles = await client.GetProfiles2Async(media2);
        Assert.That(await client.GetStreamUri2Async(media2, profiles[0].Token), Is.EqualTo("rtsp://camera-7.tunnel.invalid:554/stream/Profile_1"));
        Assert.That(dialed.Select(d => (d.Host, d.Port)).Distinct(), Is.EqualTo(new[] { ("camera-7.tunnel.invalid", 8899) }));
    }

    [Test]
    public async Task TenMegabytesAreRefusedAtTheCapWithoutBeingHeld()
    {
        var (server, device) = await StartAsync(Camera(http: "huge", auth: "none"));
        await using var _ = server;
        using var http = Http();
        var client = new OnvifClient(http, device, null, new OnvifClientOptions { MaxResponseBytes = 256 * 1024 });
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.ThrowsAsync<OnvifException>(() => client.GetDeviceInformationAsync())!;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(e.Kind, Is.EqualTo(OnvifErrorKind.BadResponse));
        Assert.That(e.Message, Does.Contain("more than the 262144 bytes allowed"));
        // The 10 MB answer streams in; reading stops at the cap, so far less than 10 MB is ever allocated.
        Assert.That(allocated, Is.LessThan(4 * 1024 * 1024), $"{allocated} bytes allocated");
    }

    [Test]
    public async Task AnAnswerThatDripsIsCutByTheRequestTimeout()
    {
        var (server, device) = await StartAsync(Camera(http: "slow", auth: "none"));
        await using var _ = server;
        using var http = Http();
        var client = new OnvifClient(http, device, null, new OnvifClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(800) });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.ThrowsAsync<OnvifException>(() => client.GetDeviceInformationAsync())!;
        Assert.That(e.Kind, Is.EqualTo(OnvifErrorKind.Transport));
        Assert.That(e.Message, Does.Contain("no complete answer within 0.8 s"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task NobodyListeningIsATransportError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = Http();
        var client = new OnvifClient(http, new Uri($"http://127.0.0.1:{port}/onvif/device_service"));
        var e = Assert.ThrowsAsync<OnvifException>(() => client.GetDeviceInformationAsync())!;
        Assert.That((e.Kind, e.Message), Is.EqualTo((OnvifErrorKind.Transport, "GetDeviceInformation: cannot connect")));
    }
}
