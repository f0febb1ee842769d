using System.Net;
using Vigil.Stack;
using Vigil.Scan.CameraSim;

namespace Vigil.Portal.Tests;

/// <summary>
/// A simulated Hikvision camera (HTTP Digest) on loopback behind the real NativeAOT agent, dialing
/// the real relay process, which reports to the portal and trusts its tunnel key; the device is
/// approved and bound to a camera record whose source is the camera's onvif:// address.
/// </summary>
public sealed class CameraBehindAgent : IAsyncDisposable
{
    public const string CameraPassword = "cam-pw-Z9q";

    private CameraBehindAgent(SimHttpServer camera, RelayProcess relay, AgentProcess agent, int onvifPort, string cameraName)
    {
        Camera = camera;
        Relay = relay;
        Agent = agent;
        DeviceId = agent.DeviceId;
        OnvifPort = onvifPort;
        CameraName = cameraName;
    }

    public SimHttpServer Camera { get; }
    public RelayProcess Relay { get; }
    public AgentProcess Agent { get; private set; }
    public string DeviceId { get; }
    public int OnvifPort { get; }
    public string CameraName { get; }

    public static async Task<CameraBehindAgent> StartAsync(PortalServer portal, PortalClient admin, string? group = null)
    {
        var onvif = new SimOnvif
        {
            Flavour = "hik",
            Auth = "digest",
            User = "admin",
            Password = CameraPassword,
            Identity = new SimIdentity("Hikvision", "DS-2DE4425IW-DE", "DS-2DE4425IW-DE20200101AAWR123456789", "V5.6.15"),
        };
        var camera = await SimHttpServer.StartAsync(new SimConfig { DataDir = AppContext.BaseDirectory, Devices = [new SimDevice { Address = "127.0.0.1", Onvif = onvif }] },
            [new IPEndPoint(IPAddress.Loopback, 0)]);
        var onvifPort = camera.Ports.Single();

        var (relay, _) = await PortalRelayNode.StartAsync(admin.Http, portal.BaseAddress, Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll"),
            Fixtures.Unique("relay"), tunnels: true);
        var agent = await AgentProcess.StartAsync(AgentBinary.Aot(), relay, [onvifPort]);
        var rig = new CameraBehindAgent(camera, relay, agent, onvifPort, Fixtures.Unique("ptz-cam"));
        Assert.That(await rig.ConnectedAsync(admin), Is.True, "the agent's hello reached the portal through the relay");
        var approved = await admin.PostJsonAsync($"/api/v1/devices/{agent.DeviceId}/approve", new { });
        Assert.That(approved.Status, Is.EqualTo(HttpStatusCode.OK), approved.Text);
        var created = await admin.PostJsonAsync("/api/v1/cameras", new
        {
            name = rig.CameraName, stream_url = $"onvif://admin:{CameraPassword}@127.0.0.1:{onvifPort}/MediaProfile00000", group,
        });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var bound = await admin.PostJsonAsync($"/api/v1/devices/{agent.DeviceId}/bind", new { camera = rig.CameraName });
        Assert.That(bound.Status, Is.EqualTo(HttpStatusCode.OK), bound.Text);
        return rig;
    }

    public Task<bool> ConnectedAsync(PortalClient admin) =>
        Eventually.True(async () => (await admin.GetAsync($"/api/v1/devices/{DeviceId}")).Json?["connected"]?.GetValue<bool>() == true);

    /// <summary>Kills the agent and starts it again on its config and key: a camera whose link broke and came back.</summary>
    public async Task RestartAgentAsync()
    {
        await Agent.DisposeAsync();
        Agent = AgentProcess.StartOnFile(AgentBinary.Aot(), Agent.ConfigPath, Agent.StateDir);
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        await Relay.DisposeAsync();
        await Camera.DisposeAsync();
    }
}
