using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Playback;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Portal.Tests;

/// <summary>
/// The streamers' hooks as each streamer calls them, against the real portal and database: what a
/// valid token opens, what every kind of bad token gets, and how soon a revocation holds, both when
/// this instance made the change and when another instance did (straight in the database).
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class HookTests(string database)
{
    private static readonly TimeSpan Revocation = TimeSpan.FromSeconds(5);
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _streamers = null!;
    private StreamerMade _streamer = null!;
    private StreamerMade _other = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        _streamers = _portal.Anonymous();
        _streamer = await StreamerAsync(_admin);
        _other = await StreamerAsync(_admin);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin.Dispose();
        _streamers.Dispose();
        await _portal.DisposeAsync();
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private T Service<T>() where T : notnull => _portal.Services.GetRequiredService<T>();

    private Task<Watched> WatchedAsync(bool dvr = false, int dvrDepth = 7) => Streaming.WatchedAsync(_portal, _admin, _streamer.Name, dvr, dvrDepth);

    /// <summary>The live and the archive token of one playback answer for the window.</summary>
    private static async Task<(string Live, string Dvr)> TokensAsync(Watched w, long from, long duration)
    {
        var playback = await PlaybackAsync(w.Viewer, w.Camera, $"?from={from}&duration={duration}");
        return (TokenOf(playback["live"]!["hls"]), TokenOf(playback["archive"]!["hls"]));
    }

    private static async Task<string> LiveTokenAsync(PortalClient viewer, string camera) => TokenOf((await PlaybackAsync(viewer, camera))["live"]!["hls"]);

    private Task<PortalClient.Answer> FlussonicPlayAsync(string camera, string? token, string? mediaRequest = null, StreamerMade? streamer = null)
    {
        var url = $"{(streamer ?? _streamer).Hook("flussonic")}&name={camera}&token={Uri.EscapeDataString(token ?? "")}&ip=203.0.113.7&proto=hls" +
                  $"&request_type=new_session&request_number=0&session_id={Guid.NewGuid()}&stream_clients=0&total_clients=3&referer=https%3A%2F%2Fwatch.example";
        return _streamers.GetAsync(mediaRequest is null ? url : $"{url}&media_request={Uri.EscapeDataString(mediaRequest)}");
    }

    private Task<PortalClient.Answer> FlussonicPublishAsync(string camera, string token, StreamerMade? streamer = null) =>
        _streamers.PostJsonAsync((streamer ?? _streamer).Hook("flussonic"), new
        {
            name = camera, proto = "rtmp", ip = "198.51.100.20", request_type = "new_session", request_number = 0, session_id = Guid.NewGuid(),
            stream_clients = 0, total_clients = 0, token, qs = $"token={token}", user_agent = "Lavf59", host = new { },
        });

    private Task<PortalClient.Answer> NginxAsync(string call, string camera, string token, string? tcurl = null)
    {
        var form = new Dictionary<string, string>
        {
            ["call"] = call, ["name"] = camera, ["addr"] = "198.51.100.20", ["app"] = "live", ["flashver"] = "FMLE/3.0", ["swfurl"] = "",
            ["tcurl"] = tcurl ?? "rtmp://127.0.0.1:1935/live", ["pageurl"] = "", ["clientid"] = "7", ["type"] = "live",
        };
        if (token.Length > 0)
        {
            form["token"] = token;
        }
        return _streamers.SendAsync(new HttpRequestMessage(HttpMethod.Post, _streamer.Hook("nginx-rtmp")) { Content = new FormUrlEncodedContent(form) });
    }

    private Task<PortalClient.Answer> MediaMtxAsync(string action, string path, string token = "", string password = "", string query = "") =>
        _streamers.PostJsonAsync(_streamer.Hook("mediamtx"), new { user = "", password, token, ip = "198.51.100.20", action, path, protocol = "rtsp", id = Guid.NewGuid(), query });

    [Test]
    public async Task FlussonicLetsAViewerWithAPlaybackTokenInAndSaysWhoItIs()
    {
        var w = await WatchedAsync();
        var answer = await FlussonicPlayAsync(w.Camera, await LiveTokenAsync(w.Viewer, w.Camera));
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        var headers = answer.Response.Headers;
        Assert.That(headers.GetValues("X-UserId").Single(), Is.EqualTo(w.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(headers.GetValues("X-Max-Sessions").Single(), Is.EqualTo("16"));
        Assert.That(headers.GetValues("X-AuthDuration").Single(), Is.EqualTo("30"));
        Assert.That(answer.Json!["allowed_dvr_ranges"]!.AsArray(), Is.Empty, "a live token opens no archive");
    }

    [Test]
    public async Task ForgedExpiredForeignAndMissingTokensAreDenied()
    {
        var w = await WatchedAsync();
        var key = Service<PortalSecrets>().TokenKey;
        var cases = new Dictionary<string, (string Token, string Reason)>
        {
            ["forged"] = (PlaybackToken.Issue(RandomNumberGenerator.GetBytes(32), w.UserId, w.Camera, PlaybackKind.Live, Now, Now + 600), HookReasons.ForgedToken),
            ["expired"] = (PlaybackToken.Issue(key, w.UserId, w.Camera, PlaybackKind.Live, Now - 700, Now - 1), HookReasons.ExpiredToken),
            ["another camera"] = (await LiveTokenAsync(w.Viewer, await CameraAsync(_admin, _streamer.Name, access: "authorized")), HookReasons.OtherCameraToken),
            ["malformed"] = ("pt1.not-a-token", HookReasons.MalformedToken),
            ["a publish token"] = ("pub1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HookReasons.MalformedToken),
            ["missing"] = ("", HookReasons.NoToken),
        };
        foreach (var (what, (token, reason)) in cases)
        {
            var answer = await FlussonicPlayAsync(w.Camera, token);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Forbidden), what);
            Assert.That(answer.Error, Is.EqualTo(reason), what);
            Assert.That(answer.Response.Headers.Contains("X-UserId"), Is.False, what);
        }
    }

    [Test]
    public async Task AValidTokenOfAUserWhoMayNotSeeTheCameraIsDenied()
    {
        var w = await WatchedAsync();
        var (_, strangerId) = await _portal.UserAsync(_admin, Unique("stranger"));
        var token = PlaybackToken.Issue(Service<PortalSecrets>().TokenKey, strangerId, w.Camera, PlaybackKind.Live, Now, Now + 600);
        var answer = await FlussonicPlayAsync(w.Camera, token);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(answer.Error, Is.EqualTo(HookReasons.NoViewRight));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task ARemovedRightStopsPlayWithinFiveSeconds(bool throughThisInstance)
    {
        var w = await WatchedAsync();
        var token = await LiveTokenAsync(w.Viewer, w.Camera);
        Assert.That((await FlussonicPlayAsync(w.Camera, token)).Status, Is.EqualTo(HttpStatusCode.OK), "cached now");
        if (throughThisInstance)
        {
            Assert.That((await _admin.DeleteAsync($"/api/v1/groups/{w.Group}/members/{w.UserId}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        }
        else
        {
            var users = Service<UserStore>();
            Assert.That(await users.RemoveMemberAsync((await users.FindGroupAsync(w.Group))!.Id, w.UserId), Is.True);
        }
        var took = await WithinAsync(Revocation, async () => (await FlussonicPlayAsync(w.Camera, token)).Status == HttpStatusCode.Forbidden);
        Assert.That(took, Is.Not.Null, "still allowed 5 s after the right was removed");
        if (throughThisInstance)
        {
            Assert.That(took!.Value, Is.LessThan(TimeSpan.FromSeconds(1)), "this instance's own change holds at once");
        }
        Assert.That((await FlussonicPlayAsync(w.Camera, token)).Error, Is.EqualTo(HookReasons.NoViewRight));
    }

    [Test]
    public async Task ADisabledAccountStopsPlayWithinFiveSeconds()
    {
        var w = await WatchedAsync();
        var token = await LiveTokenAsync(w.Viewer, w.Camera);
        Assert.That((await FlussonicPlayAsync(w.Camera, token)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _admin.PatchJsonAsync($"/api/v1/users/{w.UserId}", new { is_active = false })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await WithinAsync(Revocation, async () => (await FlussonicPlayAsync(w.Camera, token)).Error == HookReasons.UserGone), Is.Not.Null);
    }

    [Test]
    public async Task AnonymousViewersOfAPublicCameraPlayWithoutAUserId()
    {
        var camera = await CameraAsync(_admin, _streamer.Name, access: "public");
        using var anonymous = _portal.Anonymous();
        var token = await LiveTokenAsync(anonymous, camera);
        var answer = await FlussonicPlayAsync(camera, token);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        Assert.That(answer.Response.Headers.Contains("X-UserId"), Is.False, "anonymous viewers share no session limit");
        Assert.That(answer.Response.Headers.Contains("X-Max-Sessions"), Is.False);

        Assert.That((await _admin.PatchJsonAsync($"/api/v1/cameras/{camera}", new { access = "private" })).Status, Is.EqualTo(HttpStatusCode.OK));
        var denied = await FlussonicPlayAsync(camera, token);
        Assert.That(denied.Status, Is.EqualTo(HttpStatusCode.Forbidden), "the camera is private now");
        Assert.That(denied.Error, Is.EqualTo(HookReasons.NoViewRight));
    }

    [Test]
    public async Task TheArchiveNeedsADvrTokenWithinItsWindowAndTheRightNow()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 86_400;
        var (live, dvr) = await TokensAsync(w, from, 600);
        var window = $"dvr_session-hls_mbr_playlist-{from}-600";

        Assert.That((await FlussonicPlayAsync(w.Camera, live, window)).Error, Is.EqualTo(HookReasons.LiveTokenForArchive));
        var allowed = await FlussonicPlayAsync(w.Camera, dvr, window);
        Assert.That(allowed.Status, Is.EqualTo(HttpStatusCode.OK), allowed.Text);
        var range = allowed.Json!["allowed_dvr_ranges"]![0]!;
        Assert.That((range["opened_at"]!.GetValue<long>(), range["closed_at"]!.GetValue<long>()), Is.EqualTo((from, from + 600)));
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, $"hls_timeshift_playlist-hls_timeshift_abs-{from + 60}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, $"dvr_handler-mp4-{from - 3600}-600")).Error, Is.EqualTo(HookReasons.OutsideWindow));
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, $"dvr_session-hls_mbr_playlist-{from}-3600")).Error, Is.EqualTo(HookReasons.OutsideWindow));

        await MemberAsync(_admin, w.Group, w.UserId, dvr: false);
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, window)).Error, Is.EqualTo(HookReasons.NoDvrRight));
        Assert.That((await FlussonicPlayAsync(w.Camera, live)).Status, Is.EqualTo(HttpStatusCode.OK), "live stays open");
    }

    [Test]
    public async Task AShortenedArchiveClosesOlderWindows()
    {
        var w = await WatchedAsync(dvr: true, dvrDepth: 7);
        var from = Now - 3 * 86_400;
        var (_, dvr) = await TokensAsync(w, from, 600);
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, $"dvr_handler-mp4-{from}-600")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _admin.PatchJsonAsync($"/api/v1/cameras/{w.Camera}", new { dvr_depth = 1 })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FlussonicPlayAsync(w.Camera, dvr, $"dvr_handler-mp4-{from}-600")).Error, Is.EqualTo(HookReasons.BeyondDepth));
    }

    [Test]
    public async Task PublishNeedsTheBoundDevicesCurrentTokenOnItsOwnStreamer()
    {
        var camera = await CameraAsync(_admin, _streamer.Name);
        var device = await DeviceAsync(_portal, _admin, camera);
        var flussonic = await FlussonicPublishAsync(camera, device.PublishToken);
        Assert.That(flussonic.Status, Is.EqualTo(HttpStatusCode.OK), flussonic.Text);
        Assert.That((await NginxAsync("publish", camera, device.PublishToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("publish", camera, token: device.PublishToken)).Status, Is.EqualTo(HttpStatusCode.OK));

        var wrong = "pub1." + new string('A', 32);
        Assert.That((await FlussonicPublishAsync(camera, wrong)).Error, Is.EqualTo(HookReasons.WrongPublishToken));
        Assert.That((await NginxAsync("publish", camera, wrong)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await MediaMtxAsync("publish", camera, token: wrong)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await FlussonicPublishAsync(camera, device.PublishToken, _other)).Error, Is.EqualTo(HookReasons.OtherStreamer));
        Assert.That((await FlussonicPublishAsync(await CameraAsync(_admin, _streamer.Name), device.PublishToken)).Error, Is.EqualTo(HookReasons.NoDevice));
        Assert.That((await FlussonicPublishAsync("no-such-camera", device.PublishToken)).Error, Is.EqualTo(HookReasons.NoCamera));
        var playToken = await LiveTokenAsync(_admin, camera);
        Assert.That((await FlussonicPublishAsync(camera, playToken)).Error, Is.EqualTo(HookReasons.WrongPublishToken), "a playback token does not publish");
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task ARevokedDeviceCannotPublishWithinFiveSeconds(bool throughThisInstance)
    {
        var camera = await CameraAsync(_admin, _streamer.Name);
        var device = await DeviceAsync(_portal, _admin, camera);
        Assert.That((await NginxAsync("publish", camera, device.PublishToken)).Status, Is.EqualTo(HttpStatusCode.OK), "cached now");
        if (throughThisInstance)
        {
            Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{device.Id}/revoke", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        }
        else
        {
            Assert.That(await Service<DeviceStore>().SetStateAsync(device.Id, DeviceStates.Revoked), Is.EqualTo(1));
        }
        var took = await WithinAsync(Revocation, async () => (await NginxAsync("publish", camera, device.PublishToken)).Status == HttpStatusCode.Forbidden);
        Assert.That(took, Is.Not.Null, "a revoked device still published 5 s later");
        if (throughThisInstance)
        {
            Assert.That(took!.Value, Is.LessThan(TimeSpan.FromSeconds(1)));
        }
        Assert.That((await NginxAsync("update_publish", camera, device.PublishToken)).Status, Is.EqualTo(HttpStatusCode.Forbidden), "nginx-rtmp's on_update ends the running stream");

        // Approved again, the device's generation has moved on: the old token stays dead.
        Assert.That((await _admin.PostJsonAsync($"/api/v1/devices/{device.Id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FlussonicPublishAsync(camera, device.PublishToken)).Error, Is.EqualTo(HookReasons.WrongPublishToken));
    }

    [Test]
    public async Task NginxRtmpAsksAboutPlaysAndIsToldOfTheRest()
    {
        var w = await WatchedAsync();
        var token = await LiveTokenAsync(w.Viewer, w.Camera);
        var allowed = await NginxAsync("play", w.Camera, token);
        Assert.That(allowed.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(allowed.Text, Is.Empty);
        Assert.That((await NginxAsync("update_play", w.Camera, token)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await NginxAsync("play", w.Camera, "", tcurl: $"rtmp://127.0.0.1/live?token={token}")).Status, Is.EqualTo(HttpStatusCode.OK), "the token in the application URL");
        Assert.That((await NginxAsync("play", w.Camera, token[..^4] + "AAAA")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await NginxAsync("play", w.Camera, "")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await NginxAsync("play_done", w.Camera, "")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await NginxAsync("connect", "", "")).Status, Is.EqualTo(HttpStatusCode.OK));
        var unknown = await NginxAsync("rewind", w.Camera, token);
        Assert.That(unknown.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(unknown.Error, Does.Contain("call must be"));
        var nameless = await NginxAsync("play", "", token);
        Assert.That(nameless.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(nameless.Error, Does.Contain("name is required"));
    }

    [Test]
    public async Task NginxsAuthRequestForHlsIsAskedWithTheViewersUri()
    {
        var w = await WatchedAsync();
        var token = await LiveTokenAsync(w.Viewer, w.Camera);
        Task<PortalClient.Answer> Ask(string? uri)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, _streamer.Hook("nginx-rtmp"));
            if (uri is not null)
            {
                request.Headers.Add("X-Original-URI", uri);
            }
            return _streamers.SendAsync(request);
        }
        Assert.That((await Ask($"/{w.Camera}/index.m3u8?token={token}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Ask($"/{w.Camera}/17.ts?token={token}")).Status, Is.EqualTo(HttpStatusCode.OK), "a fragment, its token written in by sub_filter");
        Assert.That((await Ask($"/{w.Camera}/mpegts?token={token}")).Status, Is.EqualTo(HttpStatusCode.OK), "the continuous MPEG-TS, asked as live");
        Assert.That((await Ask($"/{w.Camera}/index.m3u8?token={token[..^4]}AAAA")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Ask($"/{w.Camera}/index.m3u8")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "no token");
        var other = await CameraAsync(_admin, _streamer.Name);
        Assert.That((await Ask($"/{other}/index.m3u8?token={token}")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "a token of another camera");
        Assert.That((await Ask($"/{other}/mpegts?token={token}")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "the MPEG-TS of another camera");
        Assert.That((await Ask($"/{w.Camera}/mpegts")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "the MPEG-TS without a token");
        var bare = await Ask(null);
        Assert.That(bare.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(bare.Error, Does.Contain("X-Original-URI"));
        Assert.That((await Ask("/index.m3u8")).Status, Is.EqualTo(HttpStatusCode.Forbidden), "no camera segment: refused, as nginx passes on only 401 and 403");
        Assert.That((await Ask("/")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        using var keyless = await _streamers.Http.GetAsync($"/hooks/nginx-rtmp/{_streamer.Name}");
        Assert.That(keyless.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task MediaMtxTakesTheTokenAsTokenPasswordOrQuery()
    {
        var w = await WatchedAsync(dvr: true);
        var from = Now - 7200;
        var (live, dvr) = await TokensAsync(w, from, 600);
        Assert.That((await MediaMtxAsync("read", w.Camera, token: live)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("read", w.Camera, password: live)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("read", w.Camera, query: $"token={live}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("read", "/" + w.Camera, token: live)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("read", w.Camera)).Status, Is.EqualTo(HttpStatusCode.Unauthorized), "no credentials: 401 makes RTSP clients send them");
        Assert.That((await MediaMtxAsync("read", w.Camera, token: dvr[..^4] + "AAAA")).Status, Is.EqualTo(HttpStatusCode.Forbidden));

        var start = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(from + 60).ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((await MediaMtxAsync("playback", w.Camera, query: $"path={w.Camera}&start={start}&duration=120&token={dvr}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await MediaMtxAsync("playback", w.Camera, query: $"path={w.Camera}&start={start}&duration=9000&token={dvr}")).Error, Is.EqualTo(HookReasons.OutsideWindow));
        Assert.That((await MediaMtxAsync("playback", w.Camera, query: $"path={w.Camera}&start={start}&duration=120&token={live}")).Error, Is.EqualTo(HookReasons.LiveTokenForArchive));
        foreach (var action in new[] { "api", "metrics", "pprof" })
        {
            var refused = await MediaMtxAsync(action, "", token: live);
            Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Forbidden), action);
            Assert.That(refused.Error, Is.EqualTo(HookReasons.NotForStreams), action);
        }
        Assert.That((await MediaMtxAsync("delete", w.Camera, token: live)).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await MediaMtxAsync("read", "", token: live)).Error, Does.Contain("path is required"));
    }

    [Test]
    public async Task TheHookKeyIsCheckedBeforeAnythingElse()
    {
        var w = await WatchedAsync();
        var token = await LiveTokenAsync(w.Viewer, w.Camera);
        var query = $"name={w.Camera}&token={token}";
        var missing = await _streamers.GetAsync($"/hooks/flussonic/{_streamer.Name}?{query}");
        Assert.That(missing.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(missing.Error, Does.Contain("hook key is missing"));
        foreach (var url in new[]
        {
            $"/hooks/flussonic/{_streamer.Name}?key=hk_wrong&{query}",
            $"/hooks/flussonic/{_streamer.Name}?key={Uri.EscapeDataString(_other.HookKey)}&{query}",
            $"/hooks/flussonic/no-such-streamer?key={Uri.EscapeDataString(_streamer.HookKey)}&{query}",
        })
        {
            var refused = await _streamers.GetAsync(url);
            Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.Forbidden), url);
            Assert.That(refused.Error, Is.EqualTo("wrong hook key for this streamer"), url);
        }
        Assert.That(_portal.Log.Text, Does.Not.Contain($"'{w.Camera}'"), "no decision was made, so none was logged");
        var rotated = await _admin.PostJsonAsync($"/api/v1/streamers/{_other.Name}/rotate-key", new { });
        Assert.That((await FlussonicPlayAsync(w.Camera, token, streamer: _other)).Status, Is.EqualTo(HttpStatusCode.Forbidden), "the old key is dead at once");
        var renewed = _other with { HookKey = rotated.Json!["hook_key"]!.GetValue<string>() };
        Assert.That((await FlussonicPlayAsync(w.Camera, token, streamer: renewed)).Status, Is.EqualTo(HttpStatusCode.OK));
        _other = renewed;
    }

    /// <summary>
    /// An oversized body, sent after "Expect: 100-continue" as careful clients do: the portal refuses
    /// it from its length alone, and the client hears the refusal instead of a reset mid-upload.
    /// </summary>
    private Task<PortalClient.Answer> OversizedAsync(string dialect, string body, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _streamer.Hook(dialect)) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.ExpectContinue = true;
        return _streamers.SendAsync(request);
    }

    [Test]
    public async Task BadBodiesGetAClearFourHundred()
    {
        var json = (string body) => new HttpRequestMessage(HttpMethod.Post, _streamer.Hook("mediamtx")) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        var invalid = await _streamers.SendAsync(json("{\"action\": \"read\", "));
        Assert.That(invalid.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(invalid.Error, Does.StartWith("invalid JSON body"));
        var wrongType = await _streamers.SendAsync(json("{\"action\": 5, \"path\": \"cam\"}"));
        Assert.That(wrongType.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(wrongType.Error, Does.StartWith("invalid JSON body").And.Contain("action"));
        var huge = await OversizedAsync("mediamtx", $"{{\"action\": \"read\", \"path\": \"{new string('a', 2 << 20)}\"}}", "application/json");
        Assert.That(huge.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(huge.Error, Does.Contain("too large"));
        var text = await _streamers.PostRawAsync(_streamer.Hook("mediamtx"), "action=read", "text/plain");
        Assert.That(text.Status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));

        var nginxJson = await _streamers.PostJsonAsync(_streamer.Hook("nginx-rtmp"), new { call = "play" });
        Assert.That(nginxJson.Status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(nginxJson.Error, Does.Contain("x-www-form-urlencoded"));
        var bigForm = await OversizedAsync("nginx-rtmp", "call=play&name=" + new string('a', 100_000), "application/x-www-form-urlencoded");
        Assert.That(bigForm.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));

        var nameless = await _streamers.GetAsync(_streamer.Hook("flussonic") + "&token=pt1.x");
        Assert.That(nameless.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(nameless.Error, Does.Contain("name is required"));
        var publishInvalid = await _streamers.PostRawAsync(_streamer.Hook("flussonic"), "{\"name\": [", "application/json");
        Assert.That(publishInvalid.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(publishInvalid.Error, Does.StartWith("invalid JSON body"));
    }

    [Test]
    public async Task NoTokenOrKeyReachesTheLog()
    {
        var camera = await CameraAsync(_admin, _streamer.Name);
        var device = await DeviceAsync(_portal, _admin, camera);
        var playToken = await LiveTokenAsync(_admin, camera);
        Assert.That((await FlussonicPublishAsync(camera, device.PublishToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FlussonicPublishAsync(camera, "pub1.secret-looking-but-wrong")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await FlussonicPlayAsync(camera, playToken)).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FlussonicPlayAsync(camera, playToken[..^4] + "AAAA")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        var log = _portal.Log.Text;
        Assert.That(log, Does.Contain($"flussonic hook: publish of '{camera}' from 198.51.100.20 allowed"));
        Assert.That(log, Does.Contain($"flussonic hook: play of '{camera}' from 203.0.113.7 denied: {HookReasons.ForgedToken}"));
        foreach (var secret in new[] { device.PublishToken, "pub1.secret-looking-but-wrong", playToken, _streamer.HookKey })
        {
            Assert.That(log, Does.Not.Contain(secret));
        }
    }
}
