using System.Diagnostics;
using System.Net;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// The Range header of the archive's MP4 form, attacked: a real vigil-archive process over a real
/// recording (a few seconds that ffmpeg records as nginx-rtmp would). Whatever the header holds, the
/// answer is the whole file (200), exactly the asked bytes (206) or 416 with the file's length, never a
/// server error, never bytes outside the file, and never more work than one download.
/// </summary>
public sealed class ArchiveRangeAttackTests
{
    private string _dir = "";
    private PeerProcess _archive = null!;
    private HttpClient _http = null!;
    private string _path = "";
    private long _length;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-attack-range-").FullName;
        var recordDir = Path.Combine(_dir, "recording");
        Directory.CreateDirectory(recordDir);
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;
        var flv = Path.Combine(recordDir, $"gate-{start}.flv");
        using (var ffmpeg = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error",
                   "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "6",
                   "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv", flv]))!)
        {
            await ffmpeg.WaitForExitAsync();
            Assert.That(ffmpeg.ExitCode, Is.Zero, "ffmpeg made the recording");
        }
        File.SetLastWriteTimeUtc(flv, DateTimeOffset.FromUnixTimeSeconds(start + 6).UtcDateTime);
        (_archive, var recording) = await ArchiveService.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"), recordDir,
            Path.Combine(_dir, "archive"), "5m");
        _http = new HttpClient { BaseAddress = new Uri(recording.ServiceUrl), Timeout = TimeSpan.FromSeconds(30) };
        using (var done = await _http.PostAsync("/record-done", new FormUrlEncodedContent(new Dictionary<string, string> { ["call"] = "record_done", ["path"] = flv })))
        {
            Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        _path = $"/gate/archive-{start}-6.mp4";
        using var whole = await _http.GetAsync(_path);
        Assert.That(whole.StatusCode, Is.EqualTo(HttpStatusCode.OK), await whole.Content.ReadAsStringAsync());
        _length = (await whole.Content.ReadAsByteArrayAsync()).Length;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http?.Dispose();
        if (_archive is not null)
        {
            await _archive.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private static IEnumerable<TestCaseData> Ranges()
    {
        // (the header, the status, for a 206 the first and last byte; -1 stands for the file's last byte)
        yield return new TestCaseData("bytes=-0", 416, 0L, 0L).SetArgDisplayNames("suffix of nothing");
        yield return new TestCaseData("bytes=500-100", 416, 0L, 0L).SetArgDisplayNames("reversed");
        yield return new TestCaseData("bytes=99999999999999999999999999-", 416, 0L, 0L).SetArgDisplayNames("first overflowing");
        yield return new TestCaseData("bytes=9223372036854775807-9223372036854775807", 416, 0L, 0L).SetArgDisplayNames("long max");
        yield return new TestCaseData("bytes=9223372036854775808-", 416, 0L, 0L).SetArgDisplayNames("past long");
        yield return new TestCaseData("bytes=0-99999999999999999999999999", 206, 0L, -1L).SetArgDisplayNames("last overflowing");
        yield return new TestCaseData("bytes=-99999999999999999999999999", 206, 0L, -1L).SetArgDisplayNames("suffix overflowing");
        yield return new TestCaseData("bytes=10-9223372036854775807", 206, 10L, -1L).SetArgDisplayNames("last long max");
        yield return new TestCaseData("bytes=", 416, 0L, 0L).SetArgDisplayNames("empty");
        yield return new TestCaseData("bytes=-", 416, 0L, 0L).SetArgDisplayNames("dash alone");
        yield return new TestCaseData("bytes=--5", 416, 0L, 0L).SetArgDisplayNames("double dash");
        yield return new TestCaseData("bytes=+5-9", 416, 0L, 0L).SetArgDisplayNames("signed");
        yield return new TestCaseData("bytes=-5-9", 416, 0L, 0L).SetArgDisplayNames("negative");
        yield return new TestCaseData("bytes=0x10-0x20", 416, 0L, 0L).SetArgDisplayNames("hex");
        yield return new TestCaseData("bytes=1e3-2e3", 416, 0L, 0L).SetArgDisplayNames("exponent");
        yield return new TestCaseData("bytes=abc", 416, 0L, 0L).SetArgDisplayNames("letters");
        yield return new TestCaseData("bytes=5", 416, 0L, 0L).SetArgDisplayNames("no dash");
        yield return new TestCaseData("bytes=0-1,2-3", 200, 0L, -1L).SetArgDisplayNames("two ranges");
        yield return new TestCaseData("bytes=" + string.Join(',', Enumerable.Range(0, 3000).Select(i => $"{i}-{i}")), 200, 0L, -1L).SetArgDisplayNames("thousands of ranges");
        yield return new TestCaseData("bytes=" + string.Join(',', Enumerable.Repeat("0-", 500)), 200, 0L, -1L).SetArgDisplayNames("overlapping ranges");
        yield return new TestCaseData("items=0-10", 200, 0L, -1L).SetArgDisplayNames("another unit");
        yield return new TestCaseData("BYTES=0-10", 206, 0L, 10L).SetArgDisplayNames("unit in capitals");
        yield return new TestCaseData("bytes=" + new string('0', 150) + "7-8", 206, 7L, 8L).SetArgDisplayNames("leading zeros");
        yield return new TestCaseData("bytes=" + new string('9', 5000) + "-", 200, 0L, -1L).SetArgDisplayNames("a huge header");
    }

    [TestCaseSource(nameof(Ranges))]
    public async Task ABadRangeGetsTheWholeFileExactBytesOr416NeverAnError(string range, int status, long first, long last)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _path);
        request.Headers.TryAddWithoutValidation("Range", range);
        using var answer = await _http.SendAsync(request);
        var body = await answer.Content.ReadAsByteArrayAsync();
        Assert.That((int)answer.StatusCode, Is.EqualTo(status), System.Text.Encoding.ASCII.GetString(body.AsSpan(0, Math.Min(200, body.Length))));
        switch (status)
        {
            case 416:
                Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes */{_length}"), "416 names the file's length");
                break;
            case 206:
                var end = last < 0 ? _length - 1 : last;
                Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {first}-{end}/{_length}"));
                Assert.That(body.LongLength, Is.EqualTo(end - first + 1));
                break;
            default:
                Assert.That(body.LongLength, Is.EqualTo(_length), "the whole file, once");
                break;
        }
        Assert.That(answer.Headers.AcceptRanges, Does.Contain("bytes"));
    }

    [Test]
    public async Task AnUnsatisfiableRangeOfARangeWithNothingRecordedIsStillNotFound()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/gate/archive-1000000000-60.mp4");
        request.Headers.TryAddWithoutValidation("Range", "bytes=-0");
        using var answer = await _http.SendAsync(request);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
