using System.Diagnostics;
using Vigil.Stack;
using static Vigil.Portal.Tests.Faults.ClusterRig;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// The cluster with every process separate: PostgreSQL, two portal processes on it, two relay
/// processes (each reporting to one instance), two nginx-rtmp streamers (each hooked to one
/// instance), the GStreamer camera and AOT agents that know both relays. Then its faults, in order
/// on the same cluster to keep the run short: a relay is killed under a publishing agent, then a
/// streamer is killed under a publishing camera.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterFaultTests
{
    private const int Agents = 4;
    private PortalProcess _portal1 = null!;
    private PortalProcess _portal2 = null!;
    private PortalClient _admin1 = null!;
    private PortalClient _admin2 = null!;
    private RelayProcess _relay1 = null!;
    private RelayProcess _relay2 = null!;
    private StreamerNode _streamerA = null!;
    private StreamerNode _streamerB = null!;
    private PeerProcess? _camera;
    private readonly List<AgentProcess> _agents = [];
    private readonly string _cameraA = Streaming.Unique("cam-a");
    private readonly string _cameraB = Streaming.Unique("cam-b");

    [OneTimeSetUp]
    public async Task StartTheCluster()
    {
        RequirePeers();
        var database = await TestDatabases.CreateAsync(TestDatabases.Postgres);
        _portal1 = await PortalProcess.StartAsync(PortalDll, database);
        _portal2 = await PortalProcess.StartAsync(PortalDll, database, sharing: _portal1);
        _admin1 = Admin(_portal1);
        _admin2 = Admin(_portal2);
        _relay1 = await StartRelayAsync(_admin1, _portal1.BaseAddress, "node-a");
        _relay2 = await StartRelayAsync(_admin2, _portal2.BaseAddress, "node-b");
        _streamerA = await ClusterRig.StreamerAsync(_admin1, _portal1.BaseAddress, Streaming.Unique("st-a"));
        _streamerB = await ClusterRig.StreamerAsync(_admin2, _portal2.BaseAddress, Streaming.Unique("st-b"));
        (_camera, var cameraPort) = await MediaPeers.StartCameraAsync(MediaPeers.CameraScript,
            "--port", "0", "--shared", "--keyint", "25", "--width", "320", "--height", "240", "--kbps", "300");
        foreach (var (name, streamer) in new[] { (_cameraA, _streamerA), (_cameraB, _streamerB) })
        {
            var made = await _admin1.PostJsonAsync("/api/v1/cameras", new { name, streamer = streamer.Name, stream_url = $"rtsp://127.0.0.1:{cameraPort}/stream" });
            Assert.That(made.Status, Is.EqualTo(System.Net.HttpStatusCode.Created), made.Text);
        }
        for (var i = 0; i < Agents; i++)
        {
            _agents.Add(await StartAgentAsync(i % 2 == 0 ? [_relay1, _relay2] : [_relay2, _relay1], $"CL{i:D4}"));
        }
        foreach (var agent in _agents)
        {
            Assert.That(await Eventually.True(() => ConnectedAsync(_admin1, agent.ReadDeviceId()!), 30), Is.True, agent.Log);
        }
        // Approved at one instance, bound at the other: agent 0 (on relay 1) films camera A, agent 1 (on relay 2) camera B.
        foreach (var (agent, camera) in new[] { (_agents[0], _cameraA), (_agents[1], _cameraB) })
        {
            var id = agent.ReadDeviceId()!;
            Assert.That((await _admin1.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(System.Net.HttpStatusCode.OK));
            var bound = await _admin2.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera });
            Assert.That(bound.Status, Is.EqualTo(System.Net.HttpStatusCode.OK), bound.Text);
        }
        foreach (var (streamer, camera) in new[] { (_streamerA, _cameraA), (_streamerB, _cameraB) })
        {
            Assert.That(await Eventually.True(async () => File.Exists(streamer.Playlist(camera)) && await DecodedFramesAsync(streamer.Playlist(camera)) > 0, 40),
                Is.True, $"{camera} plays on {streamer.Name}\n{_agents[0].Log}\n{_portal1.Log}");
        }
    }

    [OneTimeTearDown]
    public async Task StopTheCluster()
    {
        await Task.WhenAll(_agents.Select(a => a.DisposeAsync().AsTask()));
        foreach (var d in new IAsyncDisposable?[] { _camera, _streamerA, _streamerB, _relay1, _relay2, _portal1, _portal2 })
        {
            if (d is not null)
            {
                await d.DisposeAsync();
            }
        }
        _admin1?.Dispose();
        _admin2?.Dispose();
    }

    [Test]
    [Order(1)]
    public async Task AgentsSpreadPresenceIsSharedAndEitherInstanceReachesEveryAgent()
    {
        var onRelay1 = await SessionsAsync(_relay1);
        var onRelay2 = await SessionsAsync(_relay2);
        var ids = _agents.Select(a => a.ReadDeviceId()!).ToList();
        Assert.That(onRelay1.Intersect(ids).Count(), Is.EqualTo(Agents / 2), "spread: half on each relay");
        Assert.That(onRelay2.Intersect(ids).Count(), Is.EqualTo(Agents / 2), "spread: half on each relay");
        foreach (var admin in new[] { _admin1, _admin2 })
        {
            var listed = (await admin.GetAsync("/api/v1/devices")).Json!.AsArray();
            foreach (var id in ids)
            {
                var device = listed.FirstOrDefault(d => d!["id"]!.GetValue<string>() == id);
                Assert.That(device?["connected"]?.GetValue<bool>(), Is.True, $"{id} listed connected by every instance");
                Assert.That(device!["relay_node"]!.GetValue<string>(), Is.EqualTo(onRelay1.Contains(id) ? "node-a" : "node-b"));
            }
            foreach (var id in ids)
            {
                var echo = await admin.PostJsonAsync($"/api/v1/devices/{id}/commands", new { name = "echo", args = new { via = admin.Http.BaseAddress!.Port } });
                Assert.That(echo.Json?["ok"]?.GetValue<bool>(), Is.True, echo.Text);
            }
        }
        Assert.That(_streamerA.Publishes(_cameraA), Is.EqualTo(1), "camera A publishes on streamer A");
        Assert.That(_streamerB.Publishes(_cameraB), Is.EqualTo(1), "camera B publishes on streamer B");
    }

    [Test]
    [Order(2)]
    public async Task KillingARelayMovesTheControlLinkWithoutInterruptingTheVideo()
    {
        var publisher = _agents[0];
        var id = publisher.ReadDeviceId()!;
        Assert.That(await SessionsAsync(_relay1), Does.Contain(id), "the publishing agent's control link is on relay 1");
        var playlist = _streamerA.Playlist(_cameraA);
        int Fragments() => File.ReadLines(playlist).Count(l => l.StartsWith("#EXTINF", StringComparison.Ordinal));
        int Discontinuities() => File.ReadLines(playlist).Count(l => l.StartsWith("#EXT-X-DISCONTINUITY", StringComparison.Ordinal));
        using var http = new HttpClient();
        async Task<long> StreamMilliseconds()
        {
            var stat = await http.GetStringAsync($"http://127.0.0.1:{_streamerA.HttpPort}/stat");
            var m = System.Text.RegularExpressions.Regex.Match(stat, $@"<stream>\s*<name>{_cameraA}</name>\s*<time>(\d+)</time>");
            return m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
        }
        var publishesBefore = _streamerA.Publishes(_cameraA);
        var fragmentsBefore = Fragments();
        var discontinuitiesBefore = Discontinuities();
        var streamBefore = await StreamMilliseconds();
        Assert.That(streamBefore, Is.GreaterThan(0), "nginx has the stream");

        var clock = Stopwatch.StartNew();
        await _relay1.DisposeAsync();
        Assert.That(await Eventually.True(async () => (await SessionsAsync(_relay2)).Contains(id), 15), Is.True, "back on relay 2\n" + publisher.Log);
        var back = clock.Elapsed;
        Assert.That(await Eventually.True(async () => (await _admin1.GetAsync($"/api/v1/devices/{id}")).Json?["relay_node"]?.GetValue<string>() == "node-b", 10),
            Is.True, "the portal's presence follows the agent");
        // The new session's hello brings the same assignment again: look once the stream has gone on
        // for three more fragments (about 6 s), well after it arrived.
        Assert.That(await Eventually.True(() => Task.FromResult(Fragments() >= fragmentsBefore + 3), 20), Is.True, "the HLS playlist kept advancing");
        TestContext.Out.WriteLine($"control link back on the other relay {back.TotalSeconds:F1} s after the kill; fragments {fragmentsBefore} -> {Fragments()}");
        Assert.That(_streamerA.Publishes(_cameraA), Is.EqualTo(publishesBefore), "the publisher never reconnected to the streamer\n" + publisher.Log);
        Assert.That(Discontinuities(), Is.EqualTo(discontinuitiesBefore), "no break in the HLS timeline");
        // nginx's age of the stream grew by the whole time since the kill: the same stream went on.
        Assert.That(await StreamMilliseconds(), Is.GreaterThanOrEqualTo(streamBefore + (long)clock.Elapsed.TotalMilliseconds - 1000), "nginx kept the same stream");
        var echo = await _admin1.PostJsonAsync($"/api/v1/devices/{id}/commands", new { name = "echo", args = new { after = "relay kill" } });
        Assert.That(echo.Json?["ok"]?.GetValue<bool>(), Is.True, echo.Text);
    }

    [Test]
    [Order(3)]
    public async Task KillingAStreamerMovesItsCamerasAndVideoPlaysAgainWithin15Seconds()
    {
        var moved = _streamerB.Playlist(_cameraA);
        var clock = Stopwatch.StartNew();
        await _streamerA.KillAsync();
        // Timed from before the kill, not from the start of the polling.
        TimeSpan? playing = await Poll.WithinAsync(TimeSpan.FromSeconds(40), async () => File.Exists(moved) && await DecodedFramesAsync(moved) > 0) is null
            ? null : clock.Elapsed;
        TestContext.Out.WriteLine($"camera A plays on streamer B {playing?.TotalSeconds:F1} s after streamer A was killed");
        Assert.That(playing, Is.Not.Null, $"camera A never played on streamer B\n{_portal1.Log}\n{_portal2.Log}\n{_agents[0].Log}");
        Assert.That(playing!.Value.TotalSeconds, Is.LessThanOrEqualTo(15), "video plays again within 15 s of the kill");
        var camera = (await _admin2.GetAsync($"/api/v1/cameras/{_cameraA}")).Json!;
        Assert.That(camera["streamer"]!.GetValue<string>(), Is.EqualTo(_streamerB.Name));
        var moves = (_portal1.Log + _portal2.Log).Split('\n').Count(l => l.Contains($"camera '{_cameraA}' moved to", StringComparison.Ordinal));
        Assert.That(moves, Is.EqualTo(1), "both instances probe; the camera moved once");
        Assert.That(_streamerB.Publishes(_cameraB), Is.EqualTo(1), "camera B, already on streamer B, was left alone");

        // Streamer A comes back: it is up again, and its camera stays where it went (no flapping back).
        await _streamerA.StartAgainAsync();
        Assert.That(await Eventually.True(async () => await Health(_streamerA.Name) == "up", 15), Is.True);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That((await _admin1.GetAsync($"/api/v1/cameras/{_cameraA}")).Json!["streamer"]!.GetValue<string>(), Is.EqualTo(_streamerB.Name));
        Assert.That(_streamerA.Publishes(_cameraA), Is.EqualTo(1), "nothing published to the old streamer again");
    }

    private async Task<string> Health(string streamer) =>
        (await _admin1.GetAsync("/api/v1/streamers")).Json!.AsArray().First(s => s!["name"]!.GetValue<string>() == streamer)!["health"]!.GetValue<string>();
}
