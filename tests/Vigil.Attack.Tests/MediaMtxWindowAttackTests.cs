using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// An archive token bound to a ten-minute window, stretched through MediaMTX's playback server
/// (/get?path=..&amp;start=..&amp;duration=..): the portal's MediaMTX hook must read the window as
/// MediaMTX reads it (query keys decoded, Go durations) and refuse what it cannot read. No MediaMTX
/// runs here (Debian has no package of it): the requests are what its authHTTPAddress sends, field for
/// field, to a real portal process.
/// </summary>
public sealed class MediaMtxWindowAttackTests
{
    private AttackPortal _portal = null!;
    private HttpClient _hook = null!;
    private string _hookUrl = "";
    private string _token = "";
    private long _from;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AttackPortal.StartAsync("mediamtx");
        _hookUrl = (await _portal.StreamerAsync("mtx", "mediamtx", "http://127.0.0.1:9", "rtsp://127.0.0.1:9"))["mediamtx"]!.GetValue<string>();
        await _portal.CameraAsync(new { name = "vault", access = "private", streamer = "mtx", dvr_depth = 1 });
        _from = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 7200;
        var playback = JsonNode.Parse(await _portal.Admin.GetStringAsync($"/api/v1/cameras/vault/playback?from={_from}&duration=600"))!;
        _token = AttackPortal.TokenOf(playback["archive"]!["mp4"]!.GetValue<string>());
        _hook = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _hook?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private static string Rfc3339(long unix) => Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private async Task<HttpStatusCode> PlaybackAsync(string query)
    {
        using var answer = await _hook.PostAsJsonAsync(_hookUrl, new { user = "", password = "", token = "", ip = "198.51.100.7", action = "playback", path = "vault", protocol = "", id = (string?)null, query = $"{query}&token={_token}" });
        return answer.StatusCode;
    }

    [Test]
    public async Task TheTokensOwnWindowPlays() =>
        Assert.That(await PlaybackAsync($"path=vault&start={Rfc3339(_from + 60)}&duration=120"), Is.EqualTo(HttpStatusCode.OK));

    [TestCase("27h", TestName = "a Go duration (27h) reaches past the window")]
    [TestCase("1h30m", TestName = "a Go duration (1h30m) reaches past the window")]
    [TestCase("9e9", TestName = "an exponent beyond any archive")]
    [TestCase("Infinity", TestName = "an infinite duration")]
    [TestCase("-60", TestName = "a negative duration")]
    [TestCase("0x1p20", TestName = "a hexadecimal float")]
    [TestCase("60&duration=999999", TestName = "a duration given twice")]
    public async Task AStretchedDurationIsRefused(string duration) =>
        Assert.That(await PlaybackAsync($"path=vault&start={Rfc3339(_from + 60)}&duration={duration}"), Is.EqualTo(HttpStatusCode.Forbidden));

    [TestCase("st%61rt", TestName = "an encoded key (st%61rt)")]
    [TestCase("%73tart", TestName = "an encoded key (%73tart)")]
    [TestCase("start&start", TestName = "the start given twice")]
    public async Task AStartBeforeTheWindowIsRefusedHoweverItIsSpelt(string key)
    {
        var early = Rfc3339(_from - 86_000);
        var query = key == "start&start" ? $"path=vault&start={Rfc3339(_from + 60)}&start={early}&duration=60" : $"path=vault&{key}={early}&duration=60";
        Assert.That(await PlaybackAsync(query), Is.EqualTo(HttpStatusCode.Forbidden), query);
    }

    /// <summary>Starts MediaMTX does not read as RFC 3339 (or reads otherwise): "no-zone" is a time inside the window, but without its zone.</summary>
    [TestCase("yesterday")]
    [TestCase("1795246400")]
    [TestCase("no-zone")]
    public async Task AStartThatCannotBeReadIsRefused(string start)
    {
        if (start == "no-zone")
        {
            start = DateTimeOffset.FromUnixTimeSeconds(_from + 60).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        }
        Assert.That(await PlaybackAsync($"path=vault&start={Uri.EscapeDataString(start)}&duration=60"), Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
