using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// An H.265 camera behind the real AOT agent, placed on the one streamer there is, nginx-rtmp,
/// which cannot take H.265: the agent refuses the assignment once, the embedded relay passes the
/// refusal on, and the portal shows it on the device and says what to add. A streamer that takes
/// H.265 over RTSP then appears (ffmpeg listening for an RTSP push stands in for MediaMTX, which
/// this machine does not have), the camera moves there, and the agent publishes H.265 to it.
/// </summary>
public sealed class H265PlacementTests
{
    private VigilStack _stack = null!;
    private StackOptions _options = null!;
    private PeerProcess? _rtspIngest;
    private HttpClient Admin => _stack.Portal.Api;

    [OneTimeSetUp]
    public async Task Start()
    {
        EndToEnd.RequirePeers();
        _options = EndToEnd.Options("h265");
        _stack = await VigilStack.StartAsync(_options);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_rtspIngest is not null)
        {
            await _rtspIngest.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            Directory.Delete(_options.StateDir, recursive: true);
        }
    }

    [Test]
    public async Task TheRefusalReachesThePortalAndTheCameraMovesToAStreamerThatTakesH265()
    {
        var (camera, id) = await _stack.AddCameraAsync("E2E-H265", "--h265");
        const string name = "e2e-h265";
        await _stack.CreateCameraAsync(name, camera.RtspUrl);
        await _stack.ApproveAsync(id);
        await _stack.BindAsync(id, name);

        string? refused = null;
        var told = await Poll.WithinAsync(TimeSpan.FromSeconds(45), async () =>
        {
            refused = (await _stack.DeviceAsync(id))["media_error"]?.GetValue<string>();
            return refused is not null;
        });
        Assert.That(told, Is.Not.Null, $"the refusal never reached the portal\n{camera.Agent.Log}");
        TestContext.Out.WriteLine($"the device says: {refused}");
        Assert.That(refused, Does.Contain("H265").And.Contain("cannot carry").And.Contain("no streamer takes h265"));
        Assert.That((await _stack.DeviceAsync(id))["video_codec"]!.GetValue<string>(), Is.EqualTo("h265"));
        Assert.That(camera.Agent.Log.Split('\n').Count(l => l.Contains("assignment refused", StringComparison.Ordinal)), Is.EqualTo(1), camera.Agent.Log);
        Assert.That(await _stack.PublishingAsync(name), Is.False, "nothing is published to nginx-rtmp");

        // An RTSP ingest of a kind that takes H.265; the agent says its refusal again with its
        // next session, or the operator re-binds: here the device is bound again, which places it.
        var port = RelayProcess.FreePort();
        var received = Path.Combine(_options.StateDir, "received-h265.mkv");
        _rtspIngest = MediaPeers.StartFfmpegRtspListen(port, $"/live/{name}", received, "matroska");
        await Task.Delay(500);
        await VigilStack.PostAsync(Admin, "/api/v1/streamers", new
        {
            name = "rtsp-h265",
            kind = "mediamtx",
            public_url = "http://127.0.0.1:9",
            ingest_url = $"rtsp://127.0.0.1:{port}/live",
            capacity = 10,
        }, HttpStatusCode.Created);
        await _stack.BindAsync(id, name);
        var placed = JsonNode.Parse(await Admin.GetStringAsync($"/api/v1/cameras/{name}"))!;
        Assert.That(placed["streamer"]?.GetValue<string>(), Is.EqualTo("rtsp-h265"), "a camera known to send H.265 is placed where H.265 can go");
        var publishing = await Poll.WithinAsync(TimeSpan.FromSeconds(45), () => Task.FromResult(camera.Agent.Log.Contains($"streamer: publishing to rtsp://127.0.0.1:{port}/live/{name}", StringComparison.Ordinal)));
        Assert.That(publishing, Is.Not.Null, $"{camera.Agent.Log}\n\ningest:\n{_rtspIngest.Output}");
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(_rtspIngest.Output.Contains("hevc", StringComparison.Ordinal))), Is.Not.Null, _rtspIngest.Output);
    }
}
