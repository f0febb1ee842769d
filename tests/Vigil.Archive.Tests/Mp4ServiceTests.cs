using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Vigil.Stack;

namespace Vigil.Archive.Tests;

/// <summary>
/// The MP4 and preview forms of a real vigil-archive (its own web host, on a free port) over a file a
/// real nginx-rtmp recorded: ffmpeg publishes a test pattern with B-frames and AAC for 24 s, nginx-rtmp's
/// record writes the FLV, the service files it as nginx-rtmp's record_done would have it do, and the
/// ranges come back through HTTP, checked with ffprobe and ffmpeg's decoder.
/// </summary>
[TestFixture]
public sealed partial class Mp4ServiceTests
{
    private const int Seconds = 24;
    private const int FieldSeconds = 60;
    private string _dir = "";
    private WebApplication? _service;
    private HttpClient _http = null!;
    private long _start;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-mp4-service-").FullName;
        // nginx-rtmp as a streamer node runs it, recording; the portal is not part of what is tested here,
        // and the stand-in for its hook lets every publish on (and takes its record-done, filing nothing).
        string? recorded;
        await using (var nginx = await OpenStreamer.StartAsync(Path.Combine(_dir, "nginx"), record: true))
        {
            var port = nginx.RtmpPort;
            await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", Seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25",
                "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-f", "flv", $"rtmp://127.0.0.1:{port}/live/yard");
            recorded = nginx.Recording("yard");
        }
        Assert.That(recorded, Is.Not.Null, "nginx-rtmp recorded the publish");

        var recordDir = Path.Combine(_dir, "recording");
        Directory.CreateDirectory(recordDir);
        // As the shipped template names them (record_unique on): CAMERA-UNIXSECONDS.flv, written until its last tag.
        _start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;
        var named = Path.Combine(recordDir, $"yard-{_start}.flv");
        File.Copy(recorded!, named);
        File.SetLastWriteTimeUtc(named, DateTimeOffset.FromUnixTimeSeconds(_start + Seconds).UtcDateTime);

        // A second camera of a minute at 6 Mbit/s (ffmpeg's FLV, the format nginx-rtmp records), some 45 MB:
        // large enough that a browser that loads only its start has not got its end.
        var field = Path.Combine(recordDir, $"field-{_start}.flv");
        await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", FieldSeconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "25",
            "-keyint_min", "25", "-sc_threshold", "0", "-b:v", "6M", "-minrate", "6M", "-maxrate", "6M", "-bufsize", "6M", "-x264-params", "nal-hrd=cbr",
            "-c:a", "aac", "-b:a", "64k", "-f", "flv", field);
        File.SetLastWriteTimeUtc(field, DateTimeOffset.FromUnixTimeSeconds(_start + FieldSeconds).UtcDateTime);

        var listen = $"127.0.0.1:{RelayProcess.FreePort()}";
        _service = Vigil.Archive.ArchiveProgram.Build([$"--Listen={listen}", $"--RecordDir={recordDir}", $"--ArchiveDir={Path.Combine(_dir, "archive")}"]);
        await _service.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://{listen}"), Timeout = TimeSpan.FromSeconds(60) };
        foreach (var recording in new[] { named, field })
        {
            using var done = await _http.PostAsync("/record-done", new FormUrlEncodedContent(new Dictionary<string, string> { ["path"] = recording, ["call"] = "record_done" }));
            Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.OK), await done.Content.ReadAsStringAsync());
        }
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http?.Dispose();
        if (_service is not null)
        {
            await _service.StopAsync();
            await _service.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<string> DownloadAsync(string path)
    {
        using var answer = await _http.GetAsync(path);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("video/mp4"));
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".mp4");
        await File.WriteAllBytesAsync(file, await answer.Content.ReadAsByteArrayAsync());
        Assert.That(new FileInfo(file).Length, Is.EqualTo(answer.Content.Headers.ContentLength), "the announced length");
        return file;
    }

    private static async Task<double> DurationAsync(string file) =>
        double.Parse((await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file)).Trim(), CultureInfo.InvariantCulture);

    [TestCase(3, 10)]
    [TestCase(0, 24)]
    [TestCase(7, 1)]
    public async Task ARangesMp4LastsTheRangeWithinOneKeyframeInterval(int offset, int duration)
    {
        var file = await DownloadAsync($"/yard/archive-{_start + offset}-{duration}.mp4");
        // The recording is 24 s long and keyframes come every second (-g 25 at 25 fps).
        var expected = Math.Min(duration, Seconds - offset);
        Assert.That(await DurationAsync(file), Is.EqualTo(expected).Within(1.0));
        var streams = await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "default=nw=1", file);
        Assert.That(streams, Does.Contain("codec_name=h264").And.Contain("codec_name=aac").And.Contain("width=640").And.Contain("height=360"));
        var errors = await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", file, "-f", "null", "-");
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public async Task ARangeWithNothingRecordedIsNotFound()
    {
        using var before = await _http.GetAsync($"/yard/archive-{_start - 7200}-60.mp4");
        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using var other = await _http.GetAsync($"/gate/archive-{_start}-60.mp4");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("archive-{0}-0.mp4")]
    [TestCase("archive-{0}--5.mp4")]
    [TestCase("archive-{0}-99999999999.mp4")]
    [TestCase("archive-x-60.mp4")]
    public async Task AMalformedRangeIsRefusedBeforeAnyFile(string form)
    {
        using var answer = await _http.GetAsync("/yard/" + string.Format(CultureInfo.InvariantCulture, form, _start));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task APreviewIsASmallJpegOfTheMoment()
    {
        using var answer = await _http.GetAsync($"/yard/{_start + 5}-preview.jpg");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/jpeg"));
        var jpeg = Path.Combine(_dir, "preview.jpg");
        await File.WriteAllBytesAsync(jpeg, await answer.Content.ReadAsByteArrayAsync());
        var size = await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", jpeg);
        Assert.That(size.Trim(), Is.EqualTo("mjpeg,320,180"));
        using var again = await _http.GetAsync($"/yard/{_start + 5}-preview.jpg");
        Assert.That(await again.Content.ReadAsByteArrayAsync(), Is.EqualTo(await File.ReadAllBytesAsync(jpeg)), "the same keyframe's picture, from the cache");
        using var none = await _http.GetAsync($"/yard/{_start - 600}-preview.jpg");
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
