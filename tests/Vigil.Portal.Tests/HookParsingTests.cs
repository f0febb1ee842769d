using Vigil.Portal.Hooks;

namespace Vigil.Portal.Tests;

/// <summary>What the hooks read off the streamers' requests, without a server.</summary>
public sealed class HookParsingTests
{
    [TestCase("?key=k1&name=cam-1&token=pt1.a.b", "name", "cam-1")]
    [TestCase("key=k1&name=cam-1&token=pt1.a.b", "token", "pt1.a.b")]
    [TestCase("?names=x&name=cam", "name", "cam")]
    [TestCase("?referer=https%3A%2F%2Fwatch.example%2F%3Fa%3D1&x=1", "referer", "https://watch.example/?a=1")]
    [TestCase("?user_agent=Mozilla%2F5.0+(X11)", "user_agent", "Mozilla/5.0 (X11)")]
    [TestCase("?name=a&name=b", "name", "a")]
    [TestCase("?flag&name=", "flag", "")]
    [TestCase("?flag&name=", "name", "")]
    [TestCase("?name=cam", "token", "")]
    [TestCase("", "name", "")]
    [TestCase(null, "name", "")]
    public void AQueryParameterIsReadAlone(string? query, string name, string expected) =>
        Assert.That(HookQuery.Get(query, name), Is.EqualTo(expected));

    [TestCase("", false, 0, 0)]
    [TestCase("hls_live-hls_mbr_playlist", false, 0, 0)]
    [TestCase("mpegts_handler-request", false, 0, 0)]
    [TestCase("dvr_session-hls_mbr_playlist-1362504585-3600", true, 1362504585, 1362508185)]
    [TestCase("dvr_handler-mp4-1362504585-60", true, 1362504585, 1362504645)]
    [TestCase("dvr_stream_handler-ts_file-1362504585-3600", true, 1362504585, 1362508185)]
    [TestCase("hls_timeshift_playlist-hls_timeshift_abs-1362504585", true, 1362504585, 0)]
    [TestCase("dvr_handler-timeshift_rel-3600", true, 0, 0)]
    [TestCase("dvr_something-unknown", true, 0, 0)]
    public void FlussonicsMediaRequestTellsTheArchiveAndItsWindow(string mediaRequest, bool archive, long from, long to) =>
        Assert.That(FlussonicHook.ArchiveOf(mediaRequest), Is.EqualTo(new StreamRequest(archive, from, to)));

    [TestCase("path=cam&start=2024-01-14T16%3A33%3A17%2B00%3A00&duration=200.5", 1705249997, 1705250198)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=60", 1705249997, 1705250057)]
    [TestCase("path=cam&start=2024-01-14T16:33:17.250Z&duration=60", 1705249997, 1705250058)]
    [TestCase("path=cam&start=2024-01-14T18:33:17%2B02:00&duration=60", 1705249997, 1705250057)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z", 1705249997, 0)]
    [TestCase("path=cam&st%61rt=2024-01-14T16:33:17Z&duration=27h", 1705249997, 1705347197)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&d%75ration=1h30m", 1705249997, 1705255397)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=1.5h", 1705249997, 1705255397)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=500ms", 1705249997, 1705249998)]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=6e1", 1705249997, 1705250057)]
    [TestCase("", 0, 0)]
    [TestCase("path=cam", 0, 0)]
    public void MediaMtxPlaybackNamesItsWindow(string query, long from, long to) =>
        Assert.That(MediaMtxHook.PlaybackWindow(query), Is.EqualTo(new StreamRequest(true, from, to)));

    [TestCase("path=cam&start=yesterday&duration=60")]
    [TestCase("path=cam&start=1705249997&duration=60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17&duration=60")]
    [TestCase("path=cam&start=2024-01-14 16:33:17Z&duration=60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z%0A&duration=60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&start=2020-01-01T00:00:00Z&duration=60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&st%61rt=2020-01-01T00:00:00Z&duration=60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=60&duration=99999")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=27x")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=h")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=-60")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=0")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=Infinity")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=NaN")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=0x1p20")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=1e12")]
    [TestCase("path=cam&start=2024-01-14T16:33:17Z&duration=")]
    public void AMediaMtxWindowThatCannotBeReadUnambiguouslyIsRefused(string query) =>
        Assert.That(MediaMtxHook.PlaybackWindow(query), Is.Null);

    [TestCase("?st%61rt=1&start=2", "start", "1")]
    [TestCase("?%74oken=abc", "token", "abc")]
    [TestCase("?to+ken=abc&token=def", "to ken", "abc")]
    [TestCase("?token%3D=abc&token=def", "token", "def")]
    public void AQueryKeyIsDecodedOnceBeforeItIsCompared(string query, string name, string expected) =>
        Assert.That(HookQuery.Get(query, name), Is.EqualTo(expected));

    [TestCase("?start=1&x=2", "Once", "1")]
    [TestCase("?x=2", "Absent", "")]
    [TestCase("?start=1&start=1", "Repeated", "")]
    [TestCase("?start=1&st%61rt=2", "Repeated", "")]
    public void AParameterAChecksReadsIsSingleOrRefused(string query, string presence, string value) =>
        Assert.That(HookQuery.Single(query, "start"), Is.EqualTo(new QueryValue(Enum.Parse<QueryPresence>(presence), value)));
}
