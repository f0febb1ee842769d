using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// The real path a viewer's browser meets, as <see cref="VigilStack"/> assembles it with the portal
/// hosted in the test's process (its embedded relay node, the built web portal): nginx-rtmp as the
/// streamer (asking the portal's hook on publish and play, serving HLS over HTTP, each playlist and
/// fragment asked of the same hook through auth_request) recording for vigil-archive, the GStreamer
/// camera, and the NativeAOT agent in front of it, pending until someone approves it. Plus what the
/// scenarios look for: cameras in two groups, a user who may see only one of them.
/// </summary>
public sealed class WebStack : IAsyncDisposable
{
    public const string LiveCamera = "front-door";
    public const string HiddenCamera = "back-yard";
    public const string VisitorCamera = "garden";
    public const string AgentSerial = "WEB-CAM-0001";
    public const string PrimaryColor = "#0b5394";
    /// <summary>The PIN on the camera's sticker, recorded by the operator with its serial.</summary>
    public const string StickerPin = "482915";
    private const string StreamerName = "rtmp-1";

    private readonly VigilStack _stack;

    private WebStack(VigilStack stack)
    {
        _stack = stack;
        Portal = ((HostedPortal)stack.Portal).Server;
    }

    public PortalServer Portal { get; }
    public string VisitorLogin { get; } = "visitor";
    public string VisitorPassword { get; } = "visitor-" + Guid.NewGuid().ToString("N")[..12];
    public string Screenshots => Path.Combine(Repository.Root, "artifacts", "screenshots");
    public AgentProcess Agent { get; private set; } = null!;

    public static async Task<WebStack> StartAsync()
    {
        var web = PortalOnly.BuiltWeb();
        var stack = await VigilStack.StartAsync(new StackOptions(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), AgentBinary.Aot(), MediaPeers.CameraScript,
            Directory.CreateTempSubdirectory("vigil-web-").FullName)
        {
            HostPortal = HostedPortal.On(o => o.WebRoot = web),
            StreamerName = StreamerName,
            PlaylistSeconds = 60,
            HealthProbe = true,
            // The node's archive service: nginx-rtmp records into its folder (a file every 20 s, so that
            // the timeline shows filed recordings within the test) and proxies the archive forms to it.
            ArchiveDll = Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"),
            RecordInterval = "20s",
        });
        var made = new WebStack(stack);
        try
        {
            await made.BuildAsync();
            return made;
        }
        catch
        {
            await made.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync()
    {
        using var admin = await Portal.AdminAsync();
        Expect(await admin.PutJsonAsync("/api/v1/branding", new { title = "CityCam", primary_color = PrimaryColor, accent_color = "#e69138" }), HttpStatusCode.OK, HttpStatusCode.NoContent);
        foreach (var group in new[] { "staff", "visitors" })
        {
            Expect(await admin.PostJsonAsync("/api/v1/groups", new { name = group, title = group == "staff" ? "Staff" : "Visitors" }), HttpStatusCode.Created);
        }
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new { name = HiddenCamera, title = "Back yard", stream_url = "rtsp://127.0.0.1:554/hidden", access = "private", group = "staff" }), HttpStatusCode.Created);
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new { name = VisitorCamera, title = "Garden", stream_url = "rtsp://127.0.0.1:554/garden", access = "private", group = "visitors" }), HttpStatusCode.Created);
        Expect(await admin.PostJsonAsync("/api/v1/stickers", new { serial = AgentSerial, pin = StickerPin }), HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.NoContent);
        var visitor = Expect(await admin.PostJsonAsync("/api/v1/users", new { login = VisitorLogin, password = VisitorPassword, role = "user" }), HttpStatusCode.Created);
        Expect(await admin.PutJsonAsync($"/api/v1/groups/visitors/members/{visitor!["id"]!.GetValue<long>()}", new { can_dvr = true }), HttpStatusCode.NoContent);

        // One-second GOPs: the first HLS fragments are there within seconds of the publish. The agent
        // as a camera maker flashes it: its model and firmware, no camera_url (the operator places it).
        var (camera, _) = await _stack.AddCameraAsync(AgentSerial, c => (c.Model, c.Firmware, c.CameraUrl) = ("IPC-Web-2MP", "5.7.3", null), "--shared");
        Agent = camera.Agent;
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new
        {
            name = LiveCamera, title = "Front door", stream_url = camera.RtspUrl, dvr_depth = 1, access = "private", group = "staff", streamer = StreamerName,
        }), HttpStatusCode.Created);
        Assert.That(await Eventually.True(async () =>
        {
            var id = Agent.ReadDeviceId();
            return id is not null && (await admin.GetAsync($"/api/v1/devices/{id}")).Json?["state"]?.GetValue<string>() == "pending";
        }, 30), Is.True, () => "the agent comes in pending through the embedded relay\n" + Agent.Log);
    }

    /// <summary>What the browser scenarios are told: where the portal is and who logs in.</summary>
    public JsonObject Config() => new()
    {
        ["url"] = Portal.BaseAddress.ToString().TrimEnd('/'),
        ["admin"] = new JsonObject { ["login"] = Portal.Admin.Login, ["password"] = Portal.Admin.Password },
        ["visitor"] = new JsonObject { ["login"] = VisitorLogin, ["password"] = VisitorPassword },
        ["live_camera"] = LiveCamera,
        ["hidden_camera"] = HiddenCamera,
        ["visitor_camera"] = VisitorCamera,
        ["serial"] = AgentSerial,
        ["pin"] = StickerPin,
        ["primary_color"] = PrimaryColor,
        ["screenshots"] = Screenshots,
    };

    private static JsonNode? Expect(PortalClient.Answer answer, params HttpStatusCode[] statuses)
    {
        Assert.That(statuses, Does.Contain(answer.Status), answer.Text);
        return answer.Json;
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
