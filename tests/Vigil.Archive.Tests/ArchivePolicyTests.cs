using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Archive.Store;
using Vigil.Stack;

namespace Vigil.Archive.Tests;

/// <summary>
/// Each camera's depth from the portal to the node: a real portal process, its archive-policy hook
/// asked with the streamer's hook key, and a real vigil-archive process that sweeps synthetic old
/// recordings (real FLV files laid out days back) by what the portal says, a change applying
/// without a restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ArchivePolicyTests
{
    private string _dir = "";
    private PortalProcess _portal = null!;
    private string _policyUrl = "";
    private string _key = "";

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-archive-policy-").FullName;
        _portal = await PortalProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), Path.Combine(_dir, "portal.db"));
        var edge = await VigilStack.PostAsync(_portal.Api, "/api/v1/streamers",
            new { name = "edge", kind = "nginx-rtmp", public_url = "http://127.0.0.1:9", ingest_url = "rtmp://127.0.0.1:9/live", capacity = 100 }, HttpStatusCode.Created);
        await VigilStack.PostAsync(_portal.Api, "/api/v1/streamers",
            new { name = "other", kind = "nginx-rtmp", public_url = "http://127.0.0.1:8", ingest_url = "rtmp://127.0.0.1:8/live", capacity = 100 }, HttpStatusCode.Created);
        _key = edge["hook_key"]!.GetValue<string>();
        _policyUrl = $"{_portal.BaseAddress.ToString().TrimEnd('/')}/hooks/nginx-rtmp/edge/archive-policy";
        await VigilStack.PostAsync(_portal.Api, "/api/v1/cameras", new { name = "short", dvr_depth = 2, streamer = "edge" }, HttpStatusCode.Created);
        await VigilStack.PostAsync(_portal.Api, "/api/v1/cameras", new { name = "long", dvr_depth = 30, streamer = "edge" }, HttpStatusCode.Created);
        await VigilStack.PostAsync(_portal.Api, "/api/v1/cameras", new { name = "elsewhere", dvr_depth = 1, streamer = "other" }, HttpStatusCode.Created);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    [Order(1)]
    public async Task ThePortalNamesTheDepthsOfItsCamerasToTheStreamerWithItsKeyOnly()
    {
        using var http = new HttpClient();
        var policy = JsonNode.Parse(await http.GetStringAsync($"{_policyUrl}?key={Uri.EscapeDataString(_key)}"))!;
        Assert.That(policy["cameras"]!.ToJsonString(), Is.EqualTo("""[{"name":"long","dvr_depth":30},{"name":"short","dvr_depth":2}]"""), "the cameras of this streamer only");
        using var wrong = await http.GetAsync($"{_policyUrl}?key=not-the-key");
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        using var none = await http.GetAsync(_policyUrl);
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    [Order(2)]
    public async Task TheNodeSweepsByThePortalsDepthsAndTakesAChangeWithoutARestart()
    {
        var flv = Path.Combine(_dir, "two-seconds.flv");
        await Tools.MakeFlvAsync(flv, seconds: 2);
        var layout = new ArchiveLayout(Path.Combine(_dir, "archive"), Path.Combine(_dir, "recording"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const long day = 86_400_000;
        string Put(string camera, long age)
        {
            var path = layout.PathFor(camera, now - age);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(flv, path);
            RecordingIndex.Build(path, now - age, out _).Write(ArchiveLayout.IndexPathOf(path));
            return path;
        }
        var shortOld = Put("short", 3 * day);
        var shortNew = Put("short", day + day / 2);
        var longOld = Put("long", 3 * day);
        var unnamed = Put("unnamed", 3 * day);
        var keyFile = Path.Combine(_dir, "hook.key");
        await File.WriteAllTextAsync(keyFile, _key + "\n");
        var (archive, _) = await ArchiveService.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"), layout.RecordDir, layout.ArchiveDir, "5m",
            "--PolicyUrl", _policyUrl, "--PortalKeyFile", keyFile, "--PolicyRefreshSeconds", "1", "--SweepSeconds", "1", "--DefaultDepthDays", "7");
        await using (archive)
        {
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(!File.Exists(shortOld))), Is.Not.Null,
                "the file older than the portal's 2 days is deleted\n" + archive.Output);
            Assert.That((File.Exists(shortNew), File.Exists(longOld), File.Exists(unnamed)), Is.EqualTo((true, true, true)), "30 days, and the default 7 for a camera never named");

            using (var patched = await _portal.Api.PatchAsJsonAsync("/api/v1/cameras/short", new { dvr_depth = 1 }))
            {
                Assert.That(patched.IsSuccessStatusCode, Is.True, await patched.Content.ReadAsStringAsync());
            }
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(!File.Exists(shortNew))), Is.Not.Null,
                "a depth made shorter applies at the next sweep, no restart\n" + archive.Output);
            Assert.That(archive.Output, Does.Contain("Retention: deleted 1 files of short older than 1 days"));
        }
    }
}
