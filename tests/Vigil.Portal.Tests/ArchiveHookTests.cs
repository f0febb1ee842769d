using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Auth;
using Vigil.Portal.Playback;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Portal.Tests;

/// <summary>
/// The archive forms of an nginx-rtmp node (index-FROM-DURATION.m3u8, archive-FROM-DURATION.ts|mp4,
/// timeshift_abs-FROM, FROM-preview.jpg, recording_status.json) as nginx's auth_request asks about
/// them, and the clip export that hands out an MP4 link: which token, right and range each needs.
/// </summary>
public sealed class ArchiveHookTests
{
    private const long Day = 86_400;
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _streamers = null!;
    private StreamerMade _streamer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(TestDatabases.Sqlite);
        _admin = await _portal.AdminAsync();
        _streamers = _portal.Anonymous();
        _streamer = await StreamerAsync(_admin, "nginx-rtmp");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin.Dispose();
        _streamers.Dispose();
        await _portal.DisposeAsync();
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private Task<Watched> WatchedAsync(bool dvr, int dvrDepth = 2) => Streaming.WatchedAsync(_portal, _admin, _streamer.Name, dvr, dvrDepth);

    private async Task<HttpStatusCode> AskAsync(string uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _streamer.Hook("nginx-rtmp"));
        request.Headers.Add("X-Original-URI", uri);
        request.Headers.Add("X-Real-IP", "198.51.100.7");
        return (await _streamers.SendAsync(request)).Status;
    }

    /// <summary>Every archive form of a range inside [from, from + 600), a timeshift from there into live included.</summary>
    private static string[] Forms(string camera, long from, string token) =>
    [
        $"/{camera}/index-{from}-600.m3u8?token={token}",
        $"/{camera}/archive-{from + 60}-120.ts?token={token}",
        $"/{camera}/archive-{from}-600.mp4?token={token}",
        $"/{camera}/timeshift_abs-{from + 10}.m3u8?token={token}",
        $"/{camera}/timeshift_abs-{from + 10}.ts?token={token}",
        $"/{camera}/{from + 300}-preview.jpg?token={token}",
        $"/{camera}/recording_status.json?token={token}",
    ];

    [Test]
    public async Task EachArchiveFormOpensWithTheArchiveTokenOfItsWindowAndNotWithALiveOne()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 7200;
        var playback = await PlaybackAsync(w.Viewer, w.Camera);
        var dvr = TokenOf(playback["archive"]!["hls"]);
        var live = TokenOf(playback["live"]!["hls"]);
        foreach (var uri in Forms(w.Camera, from, dvr))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.OK), uri);
        }
        foreach (var uri in Forms(w.Camera, from, live))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), "a live token opens no archive: " + uri);
        }
        Assert.That(_portal.Log.Text, Does.Contain($"nginx-rtmp hook: archive of '{w.Camera}' from 198.51.100.7 denied: a live token does not open the archive"));
        // Live stays what it was: the live token plays live.
        Assert.That(await AskAsync($"/{w.Camera}/index.m3u8?token={live}"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await AskAsync($"/{w.Camera}/3.ts?token={live}"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await AskAsync($"/{w.Camera}/mpegts?token={live}"), Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>A window that ends before now opens no timeshift, which runs into live.</summary>
    [Test]
    public async Task ARangeOutsideTheTokensWindowIsRefused()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 7200;
        var dvr = TokenOf((await PlaybackAsync(w.Viewer, w.Camera, $"?from={from}&duration=600"))["archive"]!["hls"]);
        foreach (var uri in new[]
                 {
                     $"/{w.Camera}/index-{from - 1}-600.m3u8?token={dvr}",
                     $"/{w.Camera}/archive-{from}-601.mp4?token={dvr}",
                     $"/{w.Camera}/archive-{from + 599}-2.ts?token={dvr}",
                     $"/{w.Camera}/timeshift_abs-{from - 60}.ts?token={dvr}",
                     $"/{w.Camera}/timeshift_abs-{from + 60}.ts?token={dvr}",
                     $"/{w.Camera}/{from + 600}-preview.jpg?token={dvr}",
                 })
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
    }

    [Test]
    public async Task CameraAsTokenReadsNoneOfCameraBsArchive()
    {
        var a = await WatchedAsync(dvr: true);
        var b = await CameraAsync(_admin, _streamer.Name, group: a.Group, dvrDepth: 2);
        var from = Now - 7200;
        var tokenA = TokenOf((await PlaybackAsync(a.Viewer, a.Camera, $"?from={from}&duration=600"))["archive"]!["hls"]);
        foreach (var uri in Forms(b, from, tokenA))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
        // The same viewer may watch B's archive, with B's own token.
        var tokenB = TokenOf((await PlaybackAsync(a.Viewer, b, $"?from={from}&duration=600"))["archive"]!["hls"]);
        Assert.That(await AskAsync($"/{b}/archive-{from}-600.mp4?token={tokenB}"), Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ThePortalsStillTokenOpensThePreviewOfItsMomentAndNothingElse()
    {
        // The portal's own token for a still from the archive (a camera without a snapshot address):
        // no user behind it, so its scope is all that guards it.
        var w = await WatchedAsync(dvr: false);
        var other = await CameraAsync(_admin, _streamer.Name, group: w.Group, dvrDepth: 2);
        var key = _portal.Services.GetRequiredService<PortalSecrets>().TokenKey;
        var moment = Now - 3;
        var still = PlaybackToken.Issue(key, 0, w.Camera, PlaybackKind.Still, Now, Now + 30, moment, moment);
        Assert.That(await AskAsync($"/{w.Camera}/{moment}-preview.jpg?token={still}"), Is.EqualTo(HttpStatusCode.OK));
        string[] refused =
        [
            $"/{w.Camera}/{moment - 60}-preview.jpg?token={still}",
            $"/{w.Camera}/{moment + 1}-preview.jpg?token={still}",
            $"/{w.Camera}/index.m3u8?token={still}",
            $"/{w.Camera}/0.ts?token={still}",
            $"/{w.Camera}/mpegts?token={still}",
            $"/{w.Camera}/webrtc?token={still}",
            $"/{other}/{moment}-preview.jpg?token={still}",
            .. Forms(w.Camera, moment - 600, still),
        ];
        foreach (var uri in refused)
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
        var expired = PlaybackToken.Issue(key, 0, w.Camera, PlaybackKind.Still, Now - 60, Now - 1, moment, moment);
        Assert.That(await AskAsync($"/{w.Camera}/{moment}-preview.jpg?token={expired}"), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ARangeOlderThanTheDepthIsRefused()
    {
        var w = await WatchedAsync(dvr: true, dvrDepth: 1);
        // A token minted with the installation's key a day and a half ago, its window then inside the
        // depth: the day that has since fallen out of the depth is not opened by it.
        var key = _portal.Services.GetRequiredService<PortalSecrets>().TokenKey;
        var issued = Now - Day - Day / 2;
        var old = PlaybackToken.Issue(key, w.UserId, w.Camera, PlaybackKind.Dvr, issued, Now + 3600, issued - Day / 2, Now);
        Assert.That(await AskAsync($"/{w.Camera}/index-{Now - 300}-60.m3u8?token={old}"), Is.EqualTo(HttpStatusCode.OK), "inside the depth: the token itself is good");
        Assert.That(await AskAsync($"/{w.Camera}/index-{Now - Day - 3600}-60.m3u8?token={old}"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await AskAsync($"/{w.Camera}/archive-{Now - Day - 3600}-60.mp4?token={old}"), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(_portal.Log.Text, Does.Contain($"archive of '{w.Camera}' from 198.51.100.7 denied: the archive window reaches beyond the camera's archive depth"));
        var asked = await w.Viewer.GetAsync($"/api/v1/cameras/{w.Camera}/playback?from={Now - Day - 3600}&duration=60");
        Assert.That(asked.Status, Is.EqualTo(HttpStatusCode.BadRequest), "and the portal hands out no token for it");
    }

    [Test]
    public async Task AUserWithoutCanDvrWatchesLiveOnly()
    {
        var w = await WatchedAsync(dvr: false);
        var playback = await PlaybackAsync(w.Viewer, w.Camera);
        Assert.That(playback["archive"], Is.Null);
        var live = TokenOf(playback["live"]!["hls"]);
        Assert.That(await AskAsync($"/{w.Camera}/index.m3u8?token={live}"), Is.EqualTo(HttpStatusCode.OK));
        foreach (var uri in Forms(w.Camera, Now - 7200, live))
        {
            Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
        }
        var clip = await w.Viewer.PostJsonAsync($"/api/v1/cameras/{w.Camera}/clips", new { from = Now - 600, to = Now - 540 });
        Assert.That(clip.Status, Is.EqualTo(HttpStatusCode.Forbidden), clip.Text);
    }

    [Test]
    public async Task CanDvrIsCheckedNowNotWhenTheTokenWasMade()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 7200;
        var dvr = TokenOf((await PlaybackAsync(w.Viewer, w.Camera, $"?from={from}&duration=600"))["archive"]!["hls"]);
        var uri = $"/{w.Camera}/archive-{from}-600.mp4?token={dvr}";
        Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.OK));
        await MemberAsync(_admin, w.Group, w.UserId, dvr: false);
        Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), "the right taken away closes the archive at once");
        Assert.That(await AskAsync($"/{w.Camera}/index.m3u8?token={dvr}"), Is.EqualTo(HttpStatusCode.Forbidden), "an archive token is no live token either once the right is gone");
    }

    [TestCase("index-{0}-0.m3u8")]
    [TestCase("index-{0}-86401.m3u8")]
    [TestCase("archive-{0}-99999999999999999999999.mp4")]
    [TestCase("archive-99999999999999999999999-60.mp4")]
    [TestCase("archive--{0}-60.mp4")]
    [TestCase("archive-{0}--60.ts")]
    [TestCase("archive-{0}-1e3.mp4")]
    [TestCase("archive-{0}.mp4")]
    [TestCase("timeshift_rel-60.ts")]
    [TestCase("x-preview.jpg")]
    public async Task AMalformedRangeIsRefusedNeverAnError(string form)
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 7200;
        var dvr = TokenOf((await PlaybackAsync(w.Viewer, w.Camera))["archive"]!["hls"]);
        var uri = $"/{w.Camera}/{string.Format(System.Globalization.CultureInfo.InvariantCulture, form, from)}?token={dvr}";
        Assert.That(await AskAsync(uri), Is.EqualTo(HttpStatusCode.Forbidden), uri);
    }

    [Test]
    public async Task AClipIsAnMp4LinkWhoseTokenOpensThatRangeOnly()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 3600;
        var made = await w.Viewer.PostJsonAsync($"/api/v1/cameras/{w.Camera}/clips", new { from, to = from + 90 });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.OK), made.Text);
        var mp4 = made.Json!["mp4"]!.GetValue<string>();
        Assert.That(mp4, Does.StartWith($"{_streamer.PublicUrl}/{w.Camera}/archive-{from}-90.mp4?token=pt1."));
        Assert.That(made.Json!["duration"]!.GetValue<long>(), Is.EqualTo(90));
        var expires = made.Json!["expires_at"]!.GetValue<long>();
        Assert.That(expires - Now, Is.InRange(800, 900), "a short-lived link");
        var token = TokenOf(made.Json!["mp4"]);
        Assert.That(await AskAsync($"/{w.Camera}/archive-{from}-90.mp4?token={token}"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await AskAsync($"/{w.Camera}/archive-{from}-91.mp4?token={token}"), Is.EqualTo(HttpStatusCode.Forbidden), "a longer clip");
        Assert.That(await AskAsync($"/{w.Camera}/archive-{from - 1}-90.mp4?token={token}"), Is.EqualTo(HttpStatusCode.Forbidden), "an earlier clip");
        Assert.That(await AskAsync($"/{w.Camera}/index.m3u8?token={token}"), Is.EqualTo(HttpStatusCode.OK), "an archive token also plays live, as every archive token does");
        var other = await CameraAsync(_admin, _streamer.Name, group: w.Group, dvrDepth: 2);
        Assert.That(await AskAsync($"/{other}/archive-{from}-90.mp4?token={token}"), Is.EqualTo(HttpStatusCode.Forbidden), "another camera");
    }

    [Test]
    public async Task AClipOutsideTheArchiveOrLongerThanSixHoursIsRefused()
    {
        var w = await WatchedAsync(dvr: true, dvrDepth: 2);
        var now = Now;
        foreach (var (body, why) in new (object Body, string Why)[]
                 {
                     (new { from = now - 3 * Day, to = now - 3 * Day + 60 }, "older than the depth"),
                     (new { from = now - 60, to = now + 60 }, "ends in the future"),
                     (new { from = now - 600, to = now - 600 }, "empty"),
                     (new { from = now - 600, to = now - 700 }, "backwards"),
                     (new { from = now - 8 * 3600, to = now - 3600 }, "longer than six hours"),
                     (new { from = now - 600 }, "no end"),
                     (new { from = long.MinValue, to = long.MaxValue }, "the extremes of a long"),
                 })
        {
            var refused = await w.Viewer.PostJsonAsync($"/api/v1/cameras/{w.Camera}/clips", body);
            Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.BadRequest), $"{why}: {refused.Text}");
        }
        var text = await w.Viewer.PostRawAsync($"/api/v1/cameras/{w.Camera}/clips", "{\"from\":\"yesterday\",\"to\":1}", "application/json");
        Assert.That(text.Status, Is.EqualTo(HttpStatusCode.BadRequest), text.Text);
        var none = await WatchedAsync(dvr: true, dvrDepth: 0);
        var noArchive = await none.Viewer.PostJsonAsync($"/api/v1/cameras/{none.Camera}/clips", new { from = now - 600, to = now - 540 });
        Assert.That(noArchive.Status, Is.EqualTo(HttpStatusCode.BadRequest), noArchive.Text);
    }
}
