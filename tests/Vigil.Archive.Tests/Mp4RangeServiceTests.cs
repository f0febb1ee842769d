using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Archive.Tests;

/// <summary>
/// HTTP Range on the MP4 form, against the same real vigil-archive: a range's bytes are that slice of
/// the whole file, a file put together from ranges asked out of order decodes, and Chromium's
/// &lt;video&gt; seeks past what it has downloaded and plays there.
/// </summary>
public sealed partial class Mp4ServiceTests
{
    private async Task<byte[]> WholeAsync(string path)
    {
        using var answer = await _http.GetAsync(path);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        Assert.That(answer.Headers.AcceptRanges, Does.Contain("bytes"), "the whole file says ranges may be asked");
        return await answer.Content.ReadAsByteArrayAsync();
    }

    private async Task<byte[]> RangeAsync(string path, string range, long first, long last, long length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Range", range);
        using var answer = await _http.SendAsync(request);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent), $"{range}: {await answer.Content.ReadAsStringAsync()}");
        Assert.That(answer.Content.Headers.ContentRange?.ToString(), Is.EqualTo($"bytes {first}-{last}/{length}"), range);
        Assert.That(answer.Content.Headers.ContentLength, Is.EqualTo(last - first + 1), range);
        return await answer.Content.ReadAsByteArrayAsync();
    }

    [Test]
    public async Task ARangeOfTheMp4IsThatSliceOfTheWholeFile()
    {
        var path = $"/yard/archive-{_start + 2}-20.mp4";
        var whole = await WholeAsync(path);
        long n = whole.Length;
        Assert.That(n, Is.GreaterThan(200_000));
        // The header alone, across the header into mdat, the middle, the end, suffixes, past the end.
        var cases = new (string Range, long First, long Last)[]
        {
            ("bytes=0-0", 0, 0),
            ("bytes=0-1023", 0, 1023),
            ("bytes=700-150000", 700, 150_000),
            ($"bytes={n / 2}-{n / 2 + 77_776}", n / 2, n / 2 + 77_776),
            ($"bytes={n - 10}-", n - 10, n - 1),
            ($"bytes={n - 10}-{n * 2}", n - 10, n - 1),
            ("bytes=-5000", n - 5000, n - 1),
            ($"bytes=-{n * 3}", 0, n - 1),
            ($"bytes={n - 1}-{n - 1}", n - 1, n - 1),
        };
        foreach (var (range, first, last) in cases)
        {
            var part = await RangeAsync(path, range, first, last, n);
            Assert.That(part, Is.EqualTo(whole[(int)first..(int)(last + 1)]), range);
        }
    }

    [Test]
    public async Task AFileAssembledFromRangesAskedOutOfOrderDecodes()
    {
        var path = $"/yard/archive-{_start}-{Seconds}.mp4";
        var whole = await WholeAsync(path);
        long n = whole.Length;
        var assembled = new byte[n];
        var pieces = 7;
        var size = n / pieces + 1;
        // The last piece first, then the rest backwards: as a player that read the moov and then seeks.
        foreach (var i in Enumerable.Range(0, pieces).Reverse())
        {
            var first = i * size;
            var last = Math.Min(n, first + size) - 1;
            var part = await RangeAsync(path, $"bytes={first}-{last}", first, last, n);
            part.CopyTo(assembled, first);
        }
        Assert.That(assembled, Is.EqualTo(whole));
        var file = Path.Combine(_dir, "assembled.mp4");
        await File.WriteAllBytesAsync(file, assembled);
        Assert.That(await DurationAsync(file), Is.EqualTo(Seconds).Within(1.0));
        var errors = await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", file, "-f", "null", "-");
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public async Task ChromiumSeeksPastWhatItHasDownloadedAndPlaysThere()
    {
        var playwright = Path.Combine(Repository.Root, "portal-web", "node_modules", "playwright-core", "index.mjs");
        if (!File.Exists("/usr/bin/chromium") || !File.Exists(playwright))
        {
            Assert.Fail("Chromium and portal-web's playwright-core are needed: ./build.sh test installs both");
        }
        const int seekTo = 45;
        var url = $"{_http.BaseAddress}field/archive-{_start}-{FieldSeconds}.mp4";
        var info = new ProcessStartInfo("node", [Path.Combine(Repository.Root, "tests", "Vigil.Archive.Tests", "Browser", "mp4-seek.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["VIGIL_PLAYWRIGHT"] = new Uri(playwright).AbsoluteUri;
        info.Environment["VIGIL_MP4_URL"] = url;
        info.Environment["VIGIL_SEEK_SECONDS"] = seekTo.ToString(CultureInfo.InvariantCulture);
        using var node = Process.Start(info)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await node.WaitForExitAsync(limit.Token);
        }
        var output = await stdout;
        TestContext.Out.WriteLine(output + await stderr);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null);
        var r = JsonNode.Parse(line!["RESULT ".Length..])!.AsObject();
        Assert.That(r["error"]?.GetValue<string>(), Is.Null);
        Assert.That(r["duration"]!.GetValue<double>(), Is.EqualTo(FieldSeconds).Within(1.0));
        Assert.That(r["buffered_before"]!.GetValue<double>(), Is.LessThan(seekTo), "the seek goes past what the browser had downloaded");
        Assert.That(r["first"]!.GetValue<double>(), Is.GreaterThan(seekTo));
        Assert.That(r["second"]!.GetValue<double>(), Is.GreaterThan(r["first"]!.GetValue<double>()), "it plays on from there");
        var partial = r["responses"]!.AsArray().Where(x => x!["status"]!.GetValue<int>() == 206).Select(x => x!["content_range"]!.GetValue<string>()).ToList();
        Assert.That(partial.Any(c => long.Parse(c.Split(' ', '-')[1], CultureInfo.InvariantCulture) > 1_000_000), Is.True,
            $"the browser asked for a range far into the file: {r["responses"]!.ToJsonString()}");
    }
}
