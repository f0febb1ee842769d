using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// The real path a viewer's browser meets: the portal (its embedded relay node, the built web portal),
/// nginx-rtmp as the streamer (asking the portal's hook on publish and play, serving HLS over HTTP,
/// each playlist and fragment asked of the same hook through auth_request), the GStreamer camera, and
/// the NativeAOT agent in front of it, pending until someone approves it. Plus what the scenarios look
/// for: cameras in two groups, a user who may see only one of them.
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

    private readonly List<IAsyncDisposable> _owned = [];

    private WebStack(PortalServer portal) => Portal = portal;

    public PortalServer Portal { get; }
    public string VisitorLogin { get; } = "visitor";
    public string VisitorPassword { get; } = "visitor-" + Guid.NewGuid().ToString("N")[..12];
    public string Root => Repository.Root;
    public string Screenshots => Path.Combine(Root, "artifacts", "screenshots");
    public AgentProcess Agent { get; private set; } = null!;

    public static async Task<WebStack> StartAsync()
    {
        var root = Repository.Root;
        var web = Path.Combine(root, "portal-web", "dist");
        if (!File.Exists(Path.Combine(web, "index.html")))
        {
            Assert.Fail($"the web portal is not built ({web}): ./build.sh build or ./build.sh test build it (npm ci, vite build)");
        }
        var agentPort = RelayProcess.FreePort();
        var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o =>
        {
            o.EmbeddedRelay = $"127.0.0.1:{agentPort}";
            o.EmbeddedRelayApi = $"127.0.0.1:{RelayProcess.FreePort()}";
            o.DataDir = Directory.CreateTempSubdirectory("vigil-web-data-").FullName;
            o.WebRoot = web;
        });
        var stack = new WebStack(portal);
        try
        {
            await stack.BuildAsync(agentPort);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(int agentPort)
    {
        using var admin = await Portal.AdminAsync();
        Expect(await admin.PutJsonAsync("/api/v1/branding", new { title = "CityCam", primary_color = PrimaryColor, accent_color = "#e69138" }), HttpStatusCode.OK, HttpStatusCode.NoContent);

        var dir = Directory.CreateTempSubdirectory("vigil-web-nginx-").FullName;
        var streamer = await StreamerNode.RegisterAsync(admin.Http, Portal.BaseAddress, "rtmp-1", new StreamerSettings { Dir = dir, PlaylistSeconds = 60 });
        // The node's archive service, in this process: nginx-rtmp records into its folder (a file every
        // 20 s, so that the timeline shows filed recordings within the test) and proxies the archive forms to it.
        var recordDir = Path.Combine(dir, "recording");
        var archiveListen = $"127.0.0.1:{RelayProcess.FreePort()}";
        var archive = Vigil.Archive.ArchiveProgram.Build([$"--Listen={archiveListen}", $"--RecordDir={recordDir}", $"--ArchiveDir={Path.Combine(dir, "archive")}"]);
        await archive.StartAsync();
        _owned.Add(new Stopped(archive));
        await streamer.StartAsync(new ArchiveRecording(recordDir, $"http://{archiveListen}", "20s"));
        _owned.Add(streamer);

        // One-second GOPs: the first HLS fragments are there within seconds of the publish.
        var (camera, cameraPort) = await MediaPeers.StartCameraAsync(MediaPeers.CameraScript, "--keyint", "25", "--shared");
        _owned.Add(camera);

        foreach (var group in new[] { "staff", "visitors" })
        {
            Expect(await admin.PostJsonAsync("/api/v1/groups", new { name = group, title = group == "staff" ? "Staff" : "Visitors" }), HttpStatusCode.Created);
        }
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new
        {
            name = LiveCamera, title = "Front door", stream_url = $"rtsp://127.0.0.1:{cameraPort}/stream", dvr_depth = 1, access = "private", group = "staff", streamer = "rtmp-1",
        }), HttpStatusCode.Created);
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new { name = HiddenCamera, title = "Back yard", stream_url = "rtsp://127.0.0.1:554/hidden", access = "private", group = "staff" }), HttpStatusCode.Created);
        Expect(await admin.PostJsonAsync("/api/v1/cameras", new { name = VisitorCamera, title = "Garden", stream_url = "rtsp://127.0.0.1:554/garden", access = "private", group = "visitors" }), HttpStatusCode.Created);
        Expect(await admin.PostJsonAsync("/api/v1/stickers", new { serial = AgentSerial, pin = StickerPin }), HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.NoContent);
        var visitor = Expect(await admin.PostJsonAsync("/api/v1/users", new { login = VisitorLogin, password = VisitorPassword, role = "user" }), HttpStatusCode.Created);
        Expect(await admin.PutJsonAsync($"/api/v1/groups/visitors/members/{visitor!["id"]!.GetValue<long>()}", new { can_dvr = true }), HttpStatusCode.NoContent);

        var relayKey = await EmbeddedRelayPortal.RegisteredKeyAsync(admin.Http, TimeSpan.FromSeconds(30));
        Assert.That(relayKey, Is.Not.Null, "the embedded relay node registers itself");
        var agentDir = Directory.CreateTempSubdirectory("vigil-web-agent-").FullName;
        Agent = AgentProcess.Start(Vigil.Stack.AgentBinary.Aot(), agentDir, new AgentConfigFile
        {
            Relays = { new AgentRelayLine($"127.0.0.1:{agentPort}") }, RelayKey = relayKey, StateDir = Path.Combine(agentDir, "state"),
            Serial = AgentSerial, Model = "IPC-Web-2MP", Firmware = "5.7.3",
        });
        _owned.Add(Agent);
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

    /// <summary>A web host of this process, stopped (its background work ended) before it is disposed.</summary>
    private sealed class Stopped(Microsoft.AspNetCore.Builder.WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        await Portal.DisposeAsync();
    }
}
