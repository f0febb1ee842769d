using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vigil.Attack.Tests;

/// <summary>
/// The archive of an nginx-rtmp node (Flussonic's forms served by its archive service behind nginx's
/// auth_request) attacked with the tokens a viewer can get: a live token, a token of another camera, a
/// clip's token stretched to more, ranges before the depth and numbers no parser should believe. The
/// requests are what nginx's auth_request sends (the viewer's URI in X-Original-URI) to a real portal
/// process; nginx itself passes on only the portal's 2xx as a served file.
/// </summary>
public sealed class ArchiveRightsAttackTests
{
    private const long Day = 86_400;
    private AttackPortal _portal = null!;
    private HttpClient _hook = null!;
    private string _hookUrl = "";
    private HttpClient _watcher = null!;
    private HttpClient _viewer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AttackPortal.StartAsync("archive");
        _hookUrl = (await _portal.StreamerAsync("node", "nginx-rtmp", "http://127.0.0.1:9", "rtmp://127.0.0.1:9/live"))["nginx_rtmp"]!.GetValue<string>();
        await _portal.GroupAsync("yard");
        await _portal.CameraAsync(new { name = "gate", access = "private", group = "yard", streamer = "node", dvr_depth = 2 });
        await _portal.CameraAsync(new { name = "vault", access = "private", group = "yard", streamer = "node", dvr_depth = 2 });
        long watcherId;
        (_watcher, watcherId) = await _portal.UserAsync("watcher");
        using (var member = await _portal.Admin.PutAsJsonAsync($"/api/v1/groups/yard/members/{watcherId}", new { can_dvr = true }))
        {
            Assert.That(member.IsSuccessStatusCode, Is.True);
        }
        long viewerId;
        (_viewer, viewerId) = await _portal.UserAsync("liveonly");
        await _portal.MemberAsync("yard", viewerId);
        _hook = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _hook?.Dispose();
        _watcher?.Dispose();
        _viewer?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private async Task<HttpStatusCode> AskAsync(string uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _hookUrl);
        request.Headers.Add("X-Original-URI", uri);
        request.Headers.Add("X-Real-IP", "203.0.113.66");
        using var answer = await _hook.SendAsync(request);
        return answer.StatusCode;
    }

    private static async Task<JsonNode> PlaybackAsync(HttpClient client, string camera, string query = "") =>
        JsonNode.Parse(await client.GetStringAsync($"/api/v1/cameras/{camera}/playback{query}"))!;

    private static string[] Forms(string camera, long from, string token) =>
    [
        $"/{camera}/index-{from}-600.m3u8?token={token}",
        $"/{camera}/archive-{from}-600.ts?token={token}",
        $"/{camera}/archive-{from}-600.mp4?token={token}",
        $"/{camera}/timeshift_abs-{from}.ts?token={token}",
        $"/{camera}/{from}-preview.jpg?token={token}",
        $"/{camera}/recording_status.json?token={token}",
    ];

    /// <summary>What makes the refusals mean something: the archive token of the depth opens each form.</summary>
    [Test]
    public async Task TheArchiveTokenOpensEachForm()
    {
        var from = Now - 7200;
        var token = AttackPortal.TokenOf((await PlaybackAsync(_watcher, "gate"))["archive"]!["hls"]!.GetValue<string>());
        foreach (var uri in Forms("gate", from, token))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.OK), uri);
        }
    }

    [Test]
    public async Task ALiveTokenReadsNoArchive()
    {
        var live = AttackPortal.TokenOf((await PlaybackAsync(_watcher, "gate"))["live"]!["hls"]!.GetValue<string>());
        foreach (var uri in Forms("gate", Now - 7200, live))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
    }

    [Test]
    public async Task AViewerWithoutCanDvrReadsNoArchive()
    {
        var playback = await PlaybackAsync(_viewer, "gate");
        Assert.That(playback["archive"], Is.Null);
        var live = AttackPortal.TokenOf(playback["live"]!["hls"]!.GetValue<string>());
        Assert.That(await AskAsync($"/gate/index.m3u8?token={live}"), Is.EqualTo(HttpStatusCode.OK), "live plays");
        foreach (var uri in Forms("gate", Now - 7200, live))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
        using var clip = await _viewer.PostAsJsonAsync("/api/v1/cameras/gate/clips", new { from = Now - 600, to = Now - 540 });
        Assert.That(clip.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task OneCamerasArchiveTokenReadsNoneOfAnothersArchive()
    {
        var from = Now - 7200;
        var token = AttackPortal.TokenOf((await PlaybackAsync(_watcher, "gate"))["archive"]!["hls"]!.GetValue<string>());
        foreach (var uri in Forms("vault", from, token))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
    }

    /// <summary>The token of the whole depth (no ?from=) still opens nothing before the depth.</summary>
    [Test]
    public async Task NothingBeforeTheDepthIsRead()
    {
        var token = AttackPortal.TokenOf((await PlaybackAsync(_watcher, "gate"))["archive"]!["hls"]!.GetValue<string>());
        foreach (var uri in Forms("gate", Now - 2 * Day - 3600, token).Where(u => !u.Contains("recording_status", StringComparison.Ordinal)))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
        Assert.That(await AskAsync($"/gate/index-{Now - 3600}-600.m3u8?token={token}"), Is.EqualTo(HttpStatusCode.OK), "inside the depth it opens");
    }

    [Test]
    public async Task AClipsTokenIsNotStretched()
    {
        var from = Now - 3600;
        using var made = await _watcher.PostAsJsonAsync("/api/v1/cameras/gate/clips", new { from, to = from + 60 });
        Assert.That(made.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var token = AttackPortal.TokenOf(JsonNode.Parse(await made.Content.ReadAsStringAsync())!["mp4"]!.GetValue<string>());
        Assert.That(await AskAsync($"/gate/archive-{from}-60.mp4?token={token}"), Is.EqualTo(HttpStatusCode.OK));
        foreach (var uri in new[]
                 {
                     $"/gate/archive-{from}-86400.mp4?token={token}",
                     $"/gate/archive-{from - 3600}-60.mp4?token={token}",
                     $"/gate/index-{from}-3600.m3u8?token={token}",
                     $"/gate/timeshift_abs-{from}.ts?token={token}",
                     $"/vault/archive-{from}-60.mp4?token={token}",
                 })
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
    }

    [TestCase("archive-{0}-99999999999999999999.mp4", TestName = "an overflowing duration")]
    [TestCase("archive-18446744073709551617-60.mp4", TestName = "an overflowing start")]
    [TestCase("archive-{0}--60.mp4", TestName = "a negative duration")]
    [TestCase("archive--{0}-60.mp4", TestName = "a negative start")]
    [TestCase("index-{0}-0.m3u8", TestName = "a zero duration")]
    [TestCase("index-{0}-86401.m3u8", TestName = "a duration over the cap")]
    [TestCase("index-{0}-6e2.m3u8", TestName = "an exponent")]
    [TestCase("index-0-600.m3u8", TestName = "the epoch")]
    [TestCase("timeshift_abs-0.ts", TestName = "a timeshift from the epoch")]
    public async Task ARangeNoParserShouldBelieveIsRefused(string form)
    {
        var token = AttackPortal.TokenOf((await PlaybackAsync(_watcher, "gate"))["archive"]!["hls"]!.GetValue<string>());
        var uri = $"/gate/{string.Format(CultureInfo.InvariantCulture, form, Now - 3600)}?token={token}";
        Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
    }
}
