using System.Net;
using Vigil.Stack;
using Vigil.Scan.CameraSim;

namespace Vigil.Portal.Tests;

/// <summary>
/// The ONVIF client run by the portal through a tunnel, end to end with real parts: the real relay
/// process reporting to the portal and trusting its tunnel key, the NativeAOT agent with
/// tunnel_ports, and a simulated camera on loopback answering with the real Hikvision captures
/// behind HTTP Digest. The agent links no XML; the camera's answers are read by the portal.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class OnvifThroughAgentTests(string database) : PortalSuite(database)
{
    private const string CameraPassword = "cam-pw-Z9q";
    private SimHttpServer _camera = null!;
    private RelayProcess _relay = null!;
    private AgentProcess _agent = null!;
    private PortalClient _node = null!;
    private string _nodeId = "";
    private string _publicKey = "";
    private int _onvifPort;
    private int _closedPort;

    [OneTimeSetUp]
    public async Task StartRelayAgentAndCamera()
    {
        var onvif = new SimOnvif
        {
            Flavour = "hik",
            Auth = "digest",
            User = "admin",
            Password = CameraPassword,
            Identity = new SimIdentity("Hikvision", "DS-7616NI-K2", "DS-7616NI-K21620190101CCWR123456789", "V4.22.005"),
        };
        _camera = await SimHttpServer.StartAsync(new SimConfig { DataDir = AppContext.BaseDirectory, Devices = [new SimDevice { Address = "127.0.0.1", Onvif = onvif }] },
            [new IPEndPoint(IPAddress.Loopback, 0)]);
        _onvifPort = _camera.Ports.Single();
        // Allowed by the agent, but nothing listens there.
        _closedPort = RelayProcess.FreePort();

        _nodeId = Fixtures.Unique("relay");
        (_relay, var portalToken) = await PortalRelayNode.StartAsync(Admin.Http, Portal.BaseAddress, Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll"), _nodeId,
            tunnels: true);
        _agent = await AgentProcess.StartAsync(AgentBinary.Aot(), _relay, [_onvifPort, _closedPort]);
        _publicKey = File.ReadAllLines(Path.Combine(_agent.StateDir, "agent.key")).First(l => l.StartsWith("public ", StringComparison.Ordinal))[7..];
        _node = Portal.Anonymous();
        _node.Bearer(portalToken);

        Assert.That(await Eventually.True(async () => (await Admin.GetAsync($"/api/v1/devices/{_agent.DeviceId}")).Json?["connected"]?.GetValue<bool>() == true),
            Is.True, "the agent's hello reached the portal through the relay");
        var approved = await Admin.PostJsonAsync($"/api/v1/devices/{_agent.DeviceId}/approve", new { });
        Assert.That(approved.Status, Is.EqualTo(HttpStatusCode.OK), approved.Text);
    }

    [OneTimeTearDown]
    public async Task StopRelayAgentAndCamera()
    {
        _node?.Dispose();
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }
        if (_camera is not null)
        {
            await _camera.DisposeAsync();
        }
    }

    private Task<PortalClient.Answer> AskAsync(string deviceId, object body) => Admin.PostJsonAsync($"/api/v1/devices/{deviceId}/onvif", body);

    [Test]
    public async Task AnOperatorSeesTheProfilesOfACameraBehindTheAgent()
    {
        var answer = await AskAsync(_agent.DeviceId, new { port = _onvifPort, user = "admin", password = CameraPassword });
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text + "\n" + _agent.Log);
        var json = answer.Json!;
        Assert.That(json["error"], Is.Null, answer.Text);
        Assert.That(json["information"]!["manufacturer"]!.GetValue<string>(), Is.EqualTo("Hikvision"));
        Assert.That(json["information"]!["serial"]!.GetValue<string>(), Is.EqualTo("DS-7616NI-K21620190101CCWR123456789"));
        var profiles = json["profiles"]!.AsArray();
        Assert.That(profiles, Has.Count.EqualTo(36), "every profile of the captured Hikvision answer");
        Assert.That(profiles[0]!["profile"]!.GetValue<string>(), Is.EqualTo("MediaProfile00000"));
        Assert.That(profiles[0]!["name"]!.GetValue<string>(), Is.EqualTo("MediaProfile_Channel1_MainStream"));
        // As the camera reports it: its own loopback, which is what the agent next to it can pull.
        Assert.That(profiles[0]!["rtsp"]!.GetValue<string>(), Is.EqualTo("rtsp://127.0.0.1:554/stream/MediaProfile00000"));
        Assert.That(profiles[1]!["source"]!.GetValue<string>(), Is.EqualTo($"onvif://127.0.0.1:{_onvifPort}/MediaProfile00001"));

        lock (_camera.Requests)
        {
            Assert.That(_camera.Requests.Select(r => r.Operation), Does.Contain("GetProfiles").And.Contain("GetStreamUri"));
            Assert.That(_camera.Requests.Where(r => r.Operation == "GetProfiles").All(r => r.Authorization!.StartsWith("Digest ", StringComparison.Ordinal)), Is.True,
                "HTTP Digest works through the tunnel");
        }
        Assert.That(await File.ReadAllTextAsync(_relay.LogFile), Does.Contain($"Tunnel to {_agent.DeviceId}:{_onvifPort} for portal opened"));
        Assert.That(Portal.Log.Text, Does.Not.Contain(CameraPassword).And.Not.Contain("vt1."), "no camera password and no tunnel token in the log");

        var anonymous = await AskAsync(_agent.DeviceId, new { port = _onvifPort });
        Assert.That(anonymous.Status, Is.EqualTo(HttpStatusCode.OK), anonymous.Text);
        Assert.That(anonymous.Json!["error"]!.GetValue<string>(), Does.Contain("wants credentials").And.Contain("(give user and password)"));
        Assert.That(anonymous.Json!["profiles"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task AnOnvifSourceReachesTheAgentAsTheCamerasRtspAddressWithItsCredentials()
    {
        await Fixtures.StreamerAsync(Admin, Fixtures.Unique("streamer"));
        async Task<PortalClient.Answer> BindAsync(string streamUrl)
        {
            var camera = Fixtures.Unique("onvif-cam");
            var created = await Admin.PostJsonAsync("/api/v1/cameras", new { name = camera, stream_url = streamUrl });
            Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
            var bound = await Admin.PostJsonAsync($"/api/v1/devices/{_agent.DeviceId}/bind", new { camera });
            Assert.That(bound.Status, Is.EqualTo(HttpStatusCode.OK), bound.Text);
            // What the relay is answered when the agent says hello.
            return await Fixtures.HelloAsync(_node, _agent.DeviceId, _publicKey, "BENCH0001");
        }

        var named = await BindAsync($"onvif://admin:{CameraPassword}@127.0.0.1:{_onvifPort}/MediaProfile00001");
        Assert.That(named.Json!["assignment"]!["source"]!.GetValue<string>(), Is.EqualTo($"rtsp://admin:{CameraPassword}@127.0.0.1:554/stream/MediaProfile00001"), named.Text);
        lock (_camera.Requests)
        {
            Assert.That(_camera.Requests.Any(r => r.Operation == "GetStreamUri" && r.Body.Contains("MediaProfile00001", StringComparison.Ordinal)), Is.True);
        }

        var first = await BindAsync($"onvif://admin:{CameraPassword}@127.0.0.1:{_onvifPort}");
        Assert.That(first.Json!["assignment"]!["source"]!.GetValue<string>(), Is.EqualTo($"rtsp://admin:{CameraPassword}@127.0.0.1:554/stream/MediaProfile00000"),
            "without a profile, the first");

        var wrong = await BindAsync($"onvif://admin:not-the-password@127.0.0.1:{_onvifPort}/MediaProfile00001");
        Assert.That(wrong.Json!["state"]!.GetValue<string>(), Is.EqualTo("approved"));
        Assert.That(wrong.Json!["assignment"], Is.Null, "withheld until the camera can be asked");
        Assert.That(Portal.Log.Text, Does.Contain($"assignment of device {_agent.DeviceId} withheld").And.Contain("refused the credentials"));

        var missing = await BindAsync($"onvif://admin:{CameraPassword}@127.0.0.1:{_onvifPort}/NoSuchProfile");
        Assert.That(missing.Json!["assignment"], Is.Null);
        Assert.That(Portal.Log.Text, Does.Contain("the device has no profile 'NoSuchProfile'"));
        Assert.That(Portal.Log.Text, Does.Not.Contain(CameraPassword).And.Not.Contain("not-the-password"), "credentials are never logged");
    }

    [Test]
    public async Task WhatCannotBeAskedSaysWhatToFix()
    {
        var notAllowed = await AskAsync(_agent.DeviceId, new { port = 8554, user = "admin", password = CameraPassword });
        Assert.That(notAllowed.Status, Is.EqualTo(HttpStatusCode.Conflict), notAllowed.Text);
        Assert.That(notAllowed.Error, Is.EqualTo("the agent does not allow tunnels to port 8554: add 8554 to tunnel_ports in the agent's config"));

        var closed = await AskAsync(_agent.DeviceId, new { port = _closedPort });
        Assert.That(closed.Status, Is.EqualTo(HttpStatusCode.BadGateway), closed.Text);
        Assert.That(closed.Error, Is.EqualTo($"the agent could not open port {_closedPort} on the camera: cannot connect to local port {_closedPort}"));

        // A device the portal believes is on the real node, which does not hold it.
        var (ghost, ghostKey) = Fixtures.NewDeviceKey();
        await Fixtures.HelloAsync(_node, ghost, ghostKey, Fixtures.Unique("SN"));
        var pending = await AskAsync(ghost, new { port = _onvifPort });
        Assert.That((pending.Status, pending.Error), Is.EqualTo((HttpStatusCode.Conflict, "the device is pending, not approved")));
        Assert.That((await Admin.PostJsonAsync($"/api/v1/devices/{ghost}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var notHeld = await AskAsync(ghost, new { port = _onvifPort });
        Assert.That(notHeld.Status, Is.EqualTo(HttpStatusCode.Conflict), notHeld.Text);
        Assert.That(notHeld.Error, Does.StartWith("the device is offline"));

        // Its assignment is withheld, not sent with an onvif:// source the agent cannot use.
        await Fixtures.StreamerAsync(Admin, Fixtures.Unique("streamer"));
        var camera = Fixtures.Unique("ghost-cam");
        Assert.That((await Admin.PostJsonAsync("/api/v1/cameras", new { name = camera, stream_url = $"onvif://admin:x@127.0.0.1:{_onvifPort}" })).Status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Admin.PostJsonAsync($"/api/v1/devices/{ghost}/bind", new { camera })).Status, Is.EqualTo(HttpStatusCode.OK));
        var hello = await Fixtures.HelloAsync(_node, ghost, ghostKey, "SN");
        Assert.That(hello.Json!["assignment"], Is.Null, hello.Text);
        Assert.That(Portal.Log.Text, Does.Contain($"assignment of device {ghost} withheld"));

        await _node.PostJsonAsync("/internal/v1/presence", new { sessions = 1, events = new[] { new { device_id = ghost, connected = false } } });
        var offline = await AskAsync(ghost, new { port = _onvifPort });
        Assert.That((offline.Status, offline.Error), Is.EqualTo((HttpStatusCode.Conflict, "the device is offline: it is not connected to any relay")));

        Assert.That((await AskAsync("no-such-device", new { port = 80 })).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var badPort = await AskAsync(_agent.DeviceId, new { port = 70000 });
        Assert.That((badPort.Status, badPort.Error), Is.EqualTo((HttpStatusCode.BadRequest, "port must be 1 to 65535")));
        var noUser = await AskAsync(_agent.DeviceId, new { password = "x" });
        Assert.That((noUser.Status, noUser.Error), Is.EqualTo((HttpStatusCode.BadRequest, "a password needs a user")));
        var (user, _) = await Portal.UserAsync(Admin, Fixtures.Unique("viewer"));
        Assert.That((await user.PostJsonAsync($"/api/v1/devices/{_agent.DeviceId}/onvif", new { port = _onvifPort })).Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
