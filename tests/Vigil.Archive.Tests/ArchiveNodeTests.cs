using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Archive.Tests;

/// <summary>
/// A streamer node's archive with every part a real process: the portal with its embedded relay, a
/// GStreamer camera (H.264, 25 fps, a keyframe a second, AAC) behind the NativeAOT agent, nginx-rtmp
/// running the shipped templates with recording on (files of 20 s here, 5 min in production), and
/// vigil-archive filing them; viewers ask nginx's HTTP side with the portal's token, as a player would,
/// and ffprobe decodes what comes back.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ArchiveNodeTests
{
    private const string Camera = "arch-cam";
    private const int Fps = 25;
    private VigilStack _stack = null!;
    private StackOptions _options = null!;
    private PeerProcess _archive = null!;
    private string _token = "";
    private long _publishedAt;

    private string Base => $"http://127.0.0.1:{_stack.StreamerHttpPort}/{Camera}";

    [OneTimeSetUp]
    public async Task Start()
    {
        NodePeers.Require();
        var state = Path.Combine(Path.GetTempPath(), $"vigil-archive-node-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(state);
        ArchiveRecording recording;
        (_archive, recording) = await ArchiveService.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"),
            Path.Combine(state, "recording"), Path.Combine(state, "archive"), "20s", "--StaleRecordingSeconds", "5");
        _options = new StackOptions(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), AgentBinary.Aot(), MediaPeers.CameraScript, Path.Combine(state, "stack"))
        {
            Archive = recording,
        };
        _stack = await VigilStack.StartAsync(_options);
        var (camera, id) = await _stack.AddCameraAsync("ARCH-0001", "--audio");
        await _stack.CreateCameraAsync(Camera, camera.RtspUrl);
        // A day of archive: the portal's hook opens the archive forms only to an archive token within the depth.
        using (var depth = await _stack.Portal.Api.PatchAsync($"/api/v1/cameras/{Camera}",
                   new StringContent("{\"dvr_depth\":1}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.That(depth.IsSuccessStatusCode, Is.True, await depth.Content.ReadAsStringAsync());
        }
        await _stack.ApproveAsync(id);
        await _stack.BindAsync(id, Camera);
        var playback = JsonNode.Parse(await _stack.Portal.Api.GetStringAsync($"/api/v1/cameras/{Camera}/playback"))!;
        var hls = playback["archive"]!["hls"]!.GetValue<string>();
        _token = hls[(hls.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(60), () => _stack.PublishingAsync(Camera)), Is.Not.Null, "the camera publishes");
        _publishedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Three files and more: the ranges below cross the cuts between them.
        await Task.Delay(TimeSpan.FromSeconds(75));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        if (_archive is not null)
        {
            TestContext.Out.WriteLine(_archive.Output);
            await _archive.DisposeAsync();
        }
        if (_options is not null)
        {
            Directory.Delete(Path.GetDirectoryName(_options.StateDir)!, recursive: true);
        }
    }

    private async Task<JsonArray> RangesAsync()
    {
        using var http = new HttpClient();
        var status = JsonNode.Parse(await http.GetStringAsync($"{Base}/recording_status.json?token={_token}"))!.AsArray();
        Assert.That(status[0]!["stream"]!.GetValue<string>(), Is.EqualTo(Camera));
        return status[0]!["ranges"]!.AsArray();
    }

    [Test]
    [Order(1)]
    public async Task ASubRangePlaylistDecodesFromItsMomentWithEveryFrame()
    {
        var ranges = await RangesAsync();
        Assert.That(ranges, Has.Count.EqualTo(1), ranges.ToJsonString());
        var first = ranges[0]!["from"]!.GetValue<long>();
        Assert.That(first, Is.InRange(_publishedAt - 10, _publishedAt + 1), "recording began with the publish");
        const int duration = 40;
        var from = first + 12;
        var url = $"{Base}/index-{from}-{duration}.m3u8?token={_token}";

        var errors = await NodePeers.DecodeErrorsAsync(url);
        Assert.That(errors, Is.Empty, "ffmpeg decodes the whole range without an error");
        var video = await NodePeers.PacketsAsync(url, "v");
        var audio = await NodePeers.PacketsAsync(url, "a");
        TestContext.Out.WriteLine($"{video.Count} video frames, {audio.Count} audio frames");
        Assert.That(video.Count, Is.InRange(duration * Fps * 0.98, duration * Fps * 1.02), "frame count within 2% of duration x fps");
        Assert.That(audio.Count, Is.GreaterThan(duration * 40), "AAC at 44.1 kHz: 43 frames a second");
        // The stream's times are the wall clock's (90 kHz, modulo 2^33): the first frame is the keyframe at or before FROM.
        var expected = NodePeers.WallToTsMs(from * 1000);
        var firstPts = video.Min(p => p.Pts);
        Assert.That(expected - firstPts, Is.InRange(0, 1000 + 40), $"the first frame ({firstPts}) within one keyframe interval before FROM ({expected})");
        Assert.That(video.Where(p => p.Key).Min(p => p.Pts), Is.EqualTo(firstPts), "it is a keyframe");
    }

    [Test]
    [Order(2)]
    public async Task ATimeshiftRunsIntoLiveWithoutAJump()
    {
        var asked = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var from = asked / 1000 - 15;
        var url = $"{Base}/timeshift_abs-{from}.ts?token={_token}";
        var clock = Stopwatch.StartNew();
        var video = await NodePeers.PacketsAsync(url, "v", readSeconds: 25);
        TestContext.Out.WriteLine($"{video.Count} frames in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(video.Count, Is.GreaterThan(24 * Fps), "25 s of video read");
        var pts = video.Select(p => p.Pts).Order().ToList();
        var steps = pts.Zip(pts.Skip(1), (a, b) => b - a).ToList();
        Assert.That(steps.Max(), Is.LessThanOrEqualTo(3 * 1000 / Fps), "no timestamp jump, across the file cuts and into live");
        Assert.That(NodePeers.WallToTsMs(from * 1000) - pts[0], Is.InRange(0, 1040), "it starts at FROM's keyframe");
        // Beyond the moment it was asked for: the frames after that were recorded while it played.
        Assert.That(pts[^1], Is.GreaterThan(NodePeers.WallToTsMs(asked) + 5000), "it ran on into live");
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(8)), "live frames come as they are recorded, not at once");
    }

    /// <summary>A timeshift playlist as the service answers it: its media sequence and its segments' grid numbers.</summary>
    private static (long Sequence, List<(long Number, string Name, double Seconds)> Segments) ParsePlaylist(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var sequence = long.Parse(lines.Single(l => l.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))[22..], CultureInfo.InvariantCulture);
        var segments = new List<(long, string, double)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                var seconds = double.Parse(lines[i][8..].TrimEnd(','), CultureInfo.InvariantCulture);
                segments.Add((sequence + segments.Count, lines[i + 1][..lines[i + 1].IndexOf('?', StringComparison.Ordinal)], seconds));
            }
        }
        return (sequence, segments);
    }

    [Test]
    [Order(2)]
    public async Task ATimeshiftPlaylistIsALiveWindowThatRunsOnWithItsNumbersAndNoJump()
    {
        const int segment = 6; // the service's SegmentSeconds
        var from = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10;
        var playlist = $"{Base}/timeshift_abs-{from}.m3u8?token={_token}";
        using var http = new HttpClient();
        var firstText = await http.GetStringAsync(playlist);
        await Task.Delay(TimeSpan.FromSeconds(segment + 3));
        var secondText = await http.GetStringAsync(playlist);
        TestContext.Out.WriteLine(firstText + "\n" + secondText);
        foreach (var text in new[] { firstText, secondText })
        {
            // A live playlist (RFC 8216 6.2.2): no type, no end, and a target duration that stays the same.
            Assert.That(text, Does.Not.Contain("#EXT-X-ENDLIST").And.Not.Contain("#EXT-X-PLAYLIST-TYPE").And.Contain($"#EXT-X-TARGETDURATION:{2 * segment}\n"));
        }
        var first = ParsePlaylist(firstText);
        var second = ParsePlaylist(secondText);
        Assert.That(first.Segments, Is.Not.Empty);
        Assert.That(first.Sequence, Is.Zero, "a fresh viewer starts at FROM: segment 0");
        foreach (var (number, name, seconds) in first.Segments.Concat(second.Segments))
        {
            // Segment k is FROM + k x 6 s, under the same number in every reload.
            Assert.That(name, Is.EqualTo($"archive-{from + number * segment}-{segment}.ts"));
            Assert.That(seconds, Is.InRange(segment - 1.5, segment + 1.5));
        }
        Assert.That(second.Segments[^1].Number, Is.GreaterThan(first.Segments[^1].Number), "across a segment boundary, the window grew");
        Assert.That(second.Sequence, Is.GreaterThanOrEqualTo(first.Sequence));
        var newestEnd = from + (second.Segments[^1].Number + 1) * segment;
        Assert.That(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - newestEnd, Is.LessThanOrEqualTo(2 * segment), "its newest segment is near live");

        // A player on it: 20 s of media take it through reloads and new segments at the live edge, with no timestamp jump.
        var clock = Stopwatch.StartNew();
        var video = await NodePeers.PacketsAsync(playlist, "v", readSeconds: 20);
        TestContext.Out.WriteLine($"{video.Count} frames from the playlist in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(video.Count, Is.GreaterThan(18 * Fps));
        var pts = video.Select(p => p.Pts).Order().ToList();
        var steps = pts.Zip(pts.Skip(1), (a, b) => b - a).ToList();
        Assert.That(steps.Max(), Is.LessThanOrEqualTo(3 * 1000 / Fps), "no timestamp jump across the segments and reloads");
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(5)), "it waited for segments recorded while it played");

        // Once the viewer is past three segments, the window slides: the first segments leave, the numbers stay.
        var since = (DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(from + 10)).TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, 4 * segment - since)));
        var thirdText = await http.GetStringAsync(playlist);
        var third = ParsePlaylist(thirdText);
        TestContext.Out.WriteLine(thirdText);
        Assert.That(third.Sequence, Is.GreaterThan(0), "the oldest segments left the window");
        Assert.That(third.Segments, Has.Count.LessThanOrEqualTo(TimeshiftWindow), "the playlist stays a handful of segments");
        foreach (var (number, name, _) in third.Segments)
        {
            Assert.That(name, Is.EqualTo($"archive-{from + number * segment}-{segment}.ts"));
        }
        Assert.That(third.Segments[^1].Number, Is.GreaterThanOrEqualTo(second.Segments[^1].Number));
    }

    /// <summary>The most segments a timeshift playlist lists: two behind the viewer, its own, three ahead.</summary>
    private const int TimeshiftWindow = 6;

    [Test]
    [Order(3)]
    public async Task TheMp4AnswersRangesThroughNginxAndTheHookStillDecides()
    {
        var from = (await RangesAsync())[0]!["from"]!.GetValue<long>() + 5;
        var url = $"{Base}/archive-{from}-30.mp4";
        using var http = new HttpClient();
        var whole = await http.GetByteArrayAsync($"{url}?token={_token}");
        Assert.That(whole.Length, Is.GreaterThan(100_000));
        // A range deep in mdat, as a player that seeks asks it: nginx passes it on and the answer back as it comes.
        var first = whole.Length / 2;
        var last = first + 65_535;
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{url}?token={_token}"))
        {
            request.Headers.TryAddWithoutValidation("Range", $"bytes={first}-{last}");
            using var answer = await http.SendAsync(request);
            Assert.That((int)answer.StatusCode, Is.EqualTo(206), await answer.Content.ReadAsStringAsync());
            Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {first}-{last}/{whole.Length}"));
            Assert.That(answer.Headers.AcceptRanges, Does.Contain("bytes"));
            Assert.That(await answer.Content.ReadAsByteArrayAsync(), Is.EqualTo(whole[first..(last + 1)]));
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{url}?token={_token}"))
        {
            request.Headers.TryAddWithoutValidation("Range", "bytes=-0");
            using var answer = await http.SendAsync(request);
            Assert.That((int)answer.StatusCode, Is.EqualTo(416));
        }
        // A range asked without the token, or with another camera's path, is refused by the hook before any byte.
        foreach (var refused in new[] { url, $"{url}?token=pt1.forged" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, refused);
            request.Headers.TryAddWithoutValidation("Range", $"bytes={first}-{last}");
            using var answer = await http.SendAsync(request);
            Assert.That((int)answer.StatusCode, Is.AnyOf(401, 403), refused);
        }
    }

    [Test]
    [Order(3)]
    public async Task VlcOpensTheMp4SeeksIntoItAndDecodesBothStreams()
    {
        // VLC, as a viewer runs it, on the exported MP4 through nginx and the hook. It refuses to run as
        // root, so as root it runs as nobody; its output goes to a folder nobody may write.
        Assert.That(File.Exists("/usr/bin/cvlc"), Is.True, "VLC (vlc-bin, vlc-plugin-base) is needed: ./build.sh test installs it");
        var from = (await RangesAsync())[0]!["from"]!.GetValue<long>() + 5;
        var url = $"{Base}/archive-{from}-30.mp4?token={_token}";
        var dir = Directory.CreateTempSubdirectory("vigil-vlc-").FullName;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        }
        try
        {
            string[] common = ["-I", "dummy", "--no-video-title-show", "--vout", "dummy", "--aout", "dummy", "--no-interact",
                "--start-time", "20", "--stop-time", "23", "--play-and-exit", "-vv"];
            // Played: the MP4 demuxer takes it as a seekable file (it refuses one it cannot seek in) and both decoders start.
            var (code, _, log) = await Vlc([.. common, url]);
            Assert.That(code, Is.Zero, log);
            Assert.That(log, Does.Not.Contain("not seekable"), "VLC seeks in the MP4 with ranges");
            Assert.That(log, Does.Contain("using demux module \"mp4\""), "VLC's own MP4 demuxer reads it");
            Assert.That(log, Does.Contain("using video decoder module").And.Contain("using audio decoder module"));
            Assert.That(log, Does.Not.Contain("mp4 demux error"));
            // Seeked: 20 s in, 3 s out, written as VLC demuxed it.
            var piece = Path.Combine(dir, "piece.ts");
            (code, _, log) = await Vlc([.. common, "--sout", $"#std{{access=file,mux=ts,dst={piece}}}", url]);
            Assert.That(code, Is.Zero, log);
            var video = await NodePeers.PacketsAsync(piece, "v");
            Assert.That(video, Is.Not.Empty, log);
            var seconds = (video.Max(p => p.Pts) - video.Min(p => p.Pts)) / 1000.0;
            TestContext.Out.WriteLine($"VLC wrote {video.Count} video frames over {seconds:F1} s");
            Assert.That(seconds, Is.InRange(1.5, 5), "the 3 s asked for, not the whole 30 s export");
            // Its video decodes cleanly (VLC's remux may cut the first AAC frame at the seek, so audio is only counted).
            var (_, _, errors) = await Tools.CaptureAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", piece, "-map", "0:v", "-f", "null", "-");
            Assert.That(errors.Trim(), Is.Empty);
            Assert.That(await NodePeers.PacketsAsync(piece, "a"), Has.Count.GreaterThan(2 * 40), "and its audio is there");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task<(int Code, string Out, string Err)> Vlc(string[] args) =>
        Environment.UserName == "root"
            ? Tools.CaptureAsync("/usr/sbin/runuser", ["-u", "nobody", "--", "/usr/bin/cvlc", .. args])
            : Tools.CaptureAsync("/usr/bin/cvlc", args);

    [Test]
    [Order(3)]
    public async Task FilesAreLaidOutByCameraAndTimeWithAnIndex()
    {
        var root = Path.Combine(Path.GetDirectoryName(_options.StateDir)!, "archive", Camera);
        var files = Directory.GetFiles(root, "*.flv", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty);
        foreach (var f in files)
        {
            Assert.That(Path.GetRelativePath(root, f), Does.Match(@"^\d{4}/\d{2}/\d{2}/\d{6}-\d{3}\.flv$"));
            Assert.That(File.Exists(Path.ChangeExtension(f, ".idx")), Is.True, f);
        }
        // 20 s files while it ran: about one each 20 s, none lost.
        var seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - _publishedAt;
        Assert.That(files.Length, Is.InRange(seconds / 20 - 2, seconds / 20 + 1));
    }

    [Test]
    [Order(3)]
    public async Task ACameraWithoutASnapshotAddressGetsAStillFromItsArchive()
    {
        // The camera is an rtsp:// source: no ONVIF, so no GetSnapshotUri. The portal's still comes from
        // the node's archive, through nginx and the hook, with the portal's own still token.
        using var still = await _stack.Portal.Api.GetAsync($"/api/v1/cameras/{Camera}/snapshot");
        var body = await still.Content.ReadAsByteArrayAsync();
        Assert.That(still.IsSuccessStatusCode, Is.True, System.Text.Encoding.UTF8.GetString(body));
        Assert.That(still.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/jpeg"));
        Assert.That(body.Length, Is.GreaterThan(200));
        Assert.That(body[..2], Is.EqualTo(new byte[] { 0xFF, 0xD8 }), "a JPEG's start");
        Assert.That(body[^2..], Is.EqualTo(new byte[] { 0xFF, 0xD9 }), "a JPEG's end: the whole picture");
        // A user who may not see the camera gets none of it.
        var (stranger, _) = await _stack.UserAsync("still-stranger", "still-stranger-password-1");
        using (stranger)
        using (var refused = await stranger.GetAsync($"/api/v1/cameras/{Camera}/snapshot"))
        {
            Assert.That((int)refused.StatusCode, Is.AnyOf(403, 404));
        }
    }

    [Test]
    [Order(4)]
    public async Task BadInputIsRefusedNeverAnError()
    {
        using var http = new HttpClient();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // The portal's hook refuses an archive form it cannot read, and a moment before the depth, with a
        // 403 before the service is asked; the service refuses the same again with 400 or 404 on its own
        // (ArchiveRequestTests), and a range inside the depth with nothing recorded with a 404.
        var cases = new (string Path, int Status)[]
        {
            ($"/{Camera}/index-abc-10.m3u8", 403),                      // spelt like a form, no form
            ($"/{Camera}/index--5-10.m3u8", 403),                       // a negative FROM
            ($"/{Camera}/index-99999999999999-10.m3u8", 403),           // overflowing FROM
            ($"/{Camera}/index-{now - 60}-0.m3u8", 403),                // a duration of nothing
            ($"/{Camera}/archive-{now - 60}-99999.ts", 403),            // over the cap
            ($"/{Camera}/archive-{now - 60}-999999999999.ts", 403),     // overflowing DURATION
            ($"/{Camera}/archive-1000000000-60.ts", 403),               // 2001: before the depth
            ($"/{Camera}/index-1000000000-60.m3u8", 403),
            ($"/{Camera}/timeshift_abs-1000000000.m3u8", 403),
            ($"/{Camera}/archive-{now - 20 * 3600}-60.ts", 404),        // inside the depth, nothing recorded
            ($"/{Camera}/..%2f..%2frecording_status.json", 400),        // nginx refuses any encoding
        };
        foreach (var (path, status) in cases)
        {
            using var answer = await http.GetAsync($"http://127.0.0.1:{_stack.StreamerHttpPort}{path}?token={_token}");
            var body = await answer.Content.ReadAsStringAsync();
            Assert.That((int)answer.StatusCode, Is.EqualTo(status), $"{path}: {body}");
        }
    }

    [Test]
    [Order(5)]
    public async Task AStreamerKilledWhileRecordingLeavesOneShortGapAndLosesNothingBefore()
    {
        var before = await RangesAsync();
        Assert.That(before, Has.Count.EqualTo(1));
        var beforeFrom = before[0]!["from"]!.GetValue<long>();
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await _stack.RestartStreamerAsync(Posix.SigKill, TimeSpan.FromSeconds(5));
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(60), () => _stack.PublishingAsync(Camera)), Is.Not.Null, "the agent publishes again");
        var backAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Task.Delay(TimeSpan.FromSeconds(15));
        var after = await RangesAsync();
        TestContext.Out.WriteLine($"killed at {killedAt}, publishing again at {backAt}: {after.ToJsonString()}");
        Assert.That(after, Has.Count.EqualTo(2), "one gap");
        Assert.That(after[0]!["from"]!.GetValue<long>(), Is.EqualTo(beforeFrom), "nothing before it lost");
        var firstEnd = after[0]!["from"]!.GetValue<long>() + after[0]!["duration"]!.GetValue<long>();
        Assert.That(firstEnd, Is.GreaterThanOrEqualTo(killedAt / 1000 - 1), "recorded up to the kill, the cut file included");
        var gap = after[1]!["from"]!.GetValue<long>() - firstEnd;
        Assert.That(gap, Is.LessThanOrEqualTo((backAt - killedAt) / 1000 + 2), "no longer than the downtime plus one fragment");

        // What the crash cut short plays: a range across its end decodes.
        var url = $"{Base}/index-{firstEnd - 10}-10.m3u8?token={_token}";
        Assert.That(await NodePeers.DecodeErrorsAsync(url), Is.Empty);
        Assert.That((await NodePeers.PacketsAsync(url, "v")).Count, Is.GreaterThan(8 * Fps));
    }
}
