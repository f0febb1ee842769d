using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Auth;
using Vigil.Portal.Playback;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Portal.Tests;

[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class PlaybackTests(string database)
{
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private StreamerMade _streamer = null!;
    private byte[] _key = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        _streamer = await StreamerAsync(_admin);
        _key = _portal.Services.GetRequiredService<PortalSecrets>().TokenKey;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin.Dispose();
        await _portal.DisposeAsync();
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private PlaybackClaims Claims(string token, string camera)
    {
        Assert.That(PlaybackToken.Verify(_key, token, camera, Now, out var claims), Is.EqualTo(PlaybackTokenStatus.Valid));
        return claims;
    }

    /// <summary>A camera in a new group, and a member of that group (with or without the dvr right) logged in.</summary>
    private async Task<(string Camera, PortalClient Viewer, long UserId)> WatchedCameraAsync(bool dvr, int dvrDepth, string? streamer = null)
    {
        var group = await GroupAsync(_admin);
        var camera = await CameraAsync(_admin, streamer ?? _streamer.Name, group: group, dvrDepth: dvrDepth);
        var (viewer, id) = await _portal.UserAsync(_admin, Unique("viewer"));
        await MemberAsync(_admin, group, id, dvr);
        return (camera, viewer, id);
    }

    [Test]
    public async Task NginxRtmpOffersHlsAndMpegTs()
    {
        var nginx = await StreamerAsync(_admin, "nginx-rtmp", "rtmp://rtmp.streamer.test/live");
        var (camera, viewer, _) = await WatchedCameraAsync(dvr: false, dvrDepth: 0, streamer: nginx.Name);
        var live = (await PlaybackAsync(viewer, camera))["live"]!;
        Assert.That(live["hls"]!.GetValue<string>(), Does.StartWith($"{nginx.PublicUrl}/{camera}/index.m3u8?token=pt1."));
        Assert.That(live["mpegts"]!.GetValue<string>(), Does.StartWith($"{nginx.PublicUrl}/{camera}/mpegts?token=pt1."), "nginx-rtmp's MPEG-TS is its njs location");
    }

    [Test]
    public async Task LiveUrlsCarryATokenBoundToTheViewerAndTheCamera()
    {
        var (camera, viewer, id) = await WatchedCameraAsync(dvr: false, dvrDepth: 7);
        var answer = await PlaybackAsync(viewer, camera);

        var hls = answer["live"]!["hls"]!.GetValue<string>();
        Assert.That(hls, Does.StartWith($"{_streamer.PublicUrl}/{camera}/index.m3u8?token=pt1."));
        Assert.That(answer["live"]!["mpegts"]!.GetValue<string>(), Does.StartWith($"{_streamer.PublicUrl}/{camera}/mpegts?token=pt1."));
        Assert.That(answer["archive"], Is.Null, "no dvr right, no archive");
        Assert.That(answer["streamer"]!.GetValue<string>(), Is.EqualTo(_streamer.Name));
        var expires = answer["expires_at"]!.GetValue<long>();
        Assert.That(expires, Is.EqualTo(Now + _portal.Options.PlaybackTokenSeconds).Within(60));

        var claims = Claims(TokenOf(answer["live"]!["hls"]), camera);
        Assert.That(claims.UserId, Is.EqualTo(id));
        Assert.That(claims.Kind, Is.EqualTo(PlaybackKind.Live));
        Assert.That(claims.ExpiresAt, Is.EqualTo(expires));
        Assert.That(PlaybackToken.Verify(_key, TokenOf(answer["live"]!["hls"]), "another-camera", Now, out _), Is.EqualTo(PlaybackTokenStatus.OtherCamera));
    }

    [Test]
    public async Task ACameraTheCallerMayNotSeeIsNotFound()
    {
        var (camera, _, _) = await WatchedCameraAsync(dvr: true, dvrDepth: 7);
        using var stranger = (await _portal.UserAsync(_admin, Unique("stranger"))).Client;
        Assert.That((await stranger.GetAsync($"/api/v1/cameras/{camera}/playback")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await stranger.GetAsync("/api/v1/cameras/no-such-camera/playback")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        using var anonymous = _portal.Anonymous();
        Assert.That((await anonymous.GetAsync($"/api/v1/cameras/{camera}/playback")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ACameraOnNoStreamerHasNothingToPlayYet()
    {
        var camera = await CameraAsync(_admin, streamer: null);
        var answer = await _admin.GetAsync($"/api/v1/cameras/{camera}/playback");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(answer.Error, Does.Contain("streamer"));
    }

    [Test]
    public async Task AnonymousViewersOfAPublicCameraAreUserZero()
    {
        var camera = await CameraAsync(_admin, _streamer.Name, access: "public", dvrDepth: 3);
        using var anonymous = _portal.Anonymous();
        var answer = await PlaybackAsync(anonymous, camera);
        Assert.That(Claims(TokenOf(answer["live"]!["hls"]), camera).UserId, Is.Zero);
        Assert.That(answer["archive"], Is.Null, "a public camera shows its live picture, not its archive");
    }

    [TestCase(false, 7, HttpStatusCode.Forbidden, "may not watch this camera's archive")]
    [TestCase(true, 0, HttpStatusCode.BadRequest, "keeps no archive")]
    public async Task NoDvrRightOrNoArchiveGivesNoArchive(bool dvr, int depth, HttpStatusCode whenAsked, string message)
    {
        var (camera, viewer, _) = await WatchedCameraAsync(dvr, depth);
        Assert.That((await PlaybackAsync(viewer, camera))["archive"], Is.Null);
        var asked = await viewer.GetAsync($"/api/v1/cameras/{camera}/playback?from={Now - 600}&duration=60");
        Assert.That(asked.Status, Is.EqualTo(whenAsked));
        Assert.That(asked.Error, Does.Contain(message));
    }

    [Test]
    public async Task WithTheDvrRightTheArchiveOpensOnTheWholeDepth()
    {
        var (camera, viewer, id) = await WatchedCameraAsync(dvr: true, dvrDepth: 7);
        var answer = await PlaybackAsync(viewer, camera);
        var archive = answer["archive"]!;
        var from = archive["from"]!.GetValue<long>();
        var duration = archive["duration"]!.GetValue<long>();
        Assert.That(from, Is.EqualTo(Now - 3600).Within(60), "the URLs open on the last hour");
        Assert.That(duration, Is.EqualTo(3600).Within(60));
        var range = $"{from}-{duration}";
        Assert.That(archive["hls"]!.GetValue<string>(), Does.StartWith($"{_streamer.PublicUrl}/{camera}/index-{range}.m3u8?token=pt1."));
        Assert.That(archive["mpegts"]!.GetValue<string>(), Does.StartWith($"{_streamer.PublicUrl}/{camera}/archive-{range}.ts?token="));
        Assert.That(archive["mp4"]!.GetValue<string>(), Does.StartWith($"{_streamer.PublicUrl}/{camera}/archive-{range}.mp4?token="));
        Assert.That(archive["timeshift"]!.GetValue<string>(), Does.StartWith($"{_streamer.PublicUrl}/{camera}/timeshift_abs-{from}.m3u8?token="));

        var claims = Claims(TokenOf(archive["hls"]), camera);
        Assert.That(claims.Kind, Is.EqualTo(PlaybackKind.Dvr));
        Assert.That(claims.UserId, Is.EqualTo(id));
        Assert.That(claims.From, Is.EqualTo(Now - 7 * 86_400).Within(60), "the token opens the whole depth, for seeking");
        Assert.That(claims.To, Is.EqualTo(claims.ExpiresAt));
        Assert.That(Claims(TokenOf(answer["live"]!["hls"]), camera).Kind, Is.EqualTo(PlaybackKind.Live), "live URLs keep a live token");
    }

    [Test]
    public async Task AnAskedWindowBindsTheToken()
    {
        var (camera, viewer, _) = await WatchedCameraAsync(dvr: true, dvrDepth: 7);
        var from = Now - 2 * 86_400;
        var archive = (await PlaybackAsync(viewer, camera, $"?from={from}&duration=600"))["archive"]!;
        Assert.That(archive["from"]!.GetValue<long>(), Is.EqualTo(from));
        Assert.That(archive["duration"]!.GetValue<long>(), Is.EqualTo(600));
        Assert.That(archive["hls"]!.GetValue<string>(), Does.Contain($"/index-{from}-600.m3u8?token="));
        var claims = Claims(TokenOf(archive["hls"]), camera);
        Assert.That((claims.From, claims.To), Is.EqualTo((from, from + 600)));

        var open = (await PlaybackAsync(viewer, camera, $"?from={Now - 120}"))["archive"]!;
        Assert.That(open["duration"]!.GetValue<long>(), Is.EqualTo(120).Within(30), "without duration the window runs to now");
    }

    [TestCase("?from={0}", -8 * 86_400, "within the camera's archive")]
    [TestCase("?from={0}&duration=60", 600, "within the camera's archive")]
    [TestCase("?from={0}&duration=7200", -3600, "within the camera's archive")]
    [TestCase("?from={0}&duration=0", -3600, "within the camera's archive")]
    [TestCase("?from=yesterday", 0, "from must be a unix time")]
    [TestCase("?from=-5", 0, "from must be a unix time")]
    [TestCase("?from={0}&duration=1.5", -3600, "duration must be a whole number")]
    [TestCase("?duration=60", 0, "duration needs from")]
    public async Task AWindowOutsideTheDepthOrMalformedIsRefused(string query, long offset, string message)
    {
        var (camera, viewer, _) = await WatchedCameraAsync(dvr: true, dvrDepth: 7);
        var answer = await viewer.GetAsync($"/api/v1/cameras/{camera}/playback{string.Format(CultureInfo.InvariantCulture, query, Now + offset)}");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.Text);
        Assert.That(answer.Error, Does.Contain(message));
    }

    [Test]
    public async Task MediaMtxArchiveComesFromItsPlaybackServer()
    {
        var mediamtx = await StreamerAsync(_admin, "mediamtx", "rtsp://mediamtx.test:8554");
        var (camera, viewer, _) = await WatchedCameraAsync(dvr: true, dvrDepth: 1, mediamtx.Name);
        var from = Now - 1800;
        var archive = (await PlaybackAsync(viewer, camera, $"?from={from}&duration=300"))["archive"]!;
        var start = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(from).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Assert.That(archive["mp4"]!.GetValue<string>(), Does.StartWith($"{mediamtx.PublicUrl}/get?path={camera}&start={start}&duration=300&format=mp4&token=pt1."));
        Assert.That(archive["hls"], Is.Null);
        Assert.That(archive["timeshift"], Is.Null);
    }

    [Test]
    public async Task NginxRtmpsArchiveHasFlussonicsFormsOnItsNode()
    {
        var streamer = await StreamerAsync(_admin, "nginx-rtmp");
        var camera = await CameraAsync(_admin, streamer.Name, dvrDepth: 1);
        var from = Now - 1800;
        var archive = (await PlaybackAsync(_admin, camera, $"?from={from}&duration=300"))["archive"]!;
        var root = $"{streamer.PublicUrl}/{camera}";
        Assert.That(archive["hls"]!.GetValue<string>(), Does.StartWith($"{root}/index-{from}-300.m3u8?token=pt1."));
        Assert.That(archive["mpegts"]!.GetValue<string>(), Does.StartWith($"{root}/archive-{from}-300.ts?token=pt1."));
        Assert.That(archive["mp4"]!.GetValue<string>(), Does.StartWith($"{root}/archive-{from}-300.mp4?token=pt1."));
        Assert.That(archive["timeshift"]!.GetValue<string>(), Does.StartWith($"{root}/timeshift_abs-{from}.m3u8?token=pt1."));
        Assert.That(archive["recording_status"]!.GetValue<string>(), Does.StartWith($"{root}/recording_status.json?token=pt1."));
        var claims = Claims(TokenOf(archive["hls"]), camera);
        Assert.That((claims.Kind, claims.From, claims.To), Is.EqualTo((PlaybackKind.Dvr, from, from + 300)));
    }

    [Test]
    public async Task ALinkMayBeMadeToLiveShorterButNeverLonger()
    {
        var camera = await CameraAsync(_admin, _streamer.Name, dvrDepth: 1);
        var from = Now - 600;
        var answer = await PlaybackAsync(_admin, camera, $"?from={from}&duration=120&expires_in=900");
        var claims = Claims(TokenOf(answer["archive"]!["mp4"]), camera);
        Assert.That(claims.ExpiresAt - claims.IssuedAt, Is.EqualTo(900));
        Assert.That(answer["expires_at"]!.GetValue<long>(), Is.EqualTo(claims.ExpiresAt));
        Assert.That((claims.From, claims.To), Is.EqualTo((from, from + 120)), "the clip's token opens only the clip");
        foreach (var bad in new[] { "59", "10801", "soon", "-5" })
        {
            var refused = await _admin.GetAsync($"/api/v1/cameras/{camera}/playback?expires_in={bad}");
            Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.BadRequest), bad);
            Assert.That(refused.Error, Is.EqualTo("expires_in must be a whole number of seconds from 60 to 10800"));
        }
    }
}
