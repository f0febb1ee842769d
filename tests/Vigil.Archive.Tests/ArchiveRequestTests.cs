using Vigil.Archive.Playback;

namespace Vigil.Archive.Tests;

/// <summary>The archive forms as the service reads them from a path: what they mean, and everything malformed refused before any file is looked at.</summary>
[TestFixture]
public sealed class ArchiveRequestTests
{
    private const long Cap = 6 * 3600;

    [TestCase("index-1796370000-60.m3u8", ArchiveForm.RangePlaylist, 1796370000L, 60L)]
    [TestCase("archive-1796370000-3600.ts", ArchiveForm.RangeTs, 1796370000L, 3600L)]
    [TestCase("archive-1796370000-21600.mp4", ArchiveForm.RangeMp4, 1796370000L, 21600L)]
    [TestCase("timeshift_abs-1796370000.ts", ArchiveForm.TimeshiftTs, 1796370000L, 0L)]
    [TestCase("timeshift_abs-1796370000.m3u8", ArchiveForm.TimeshiftPlaylist, 1796370000L, 0L)]
    [TestCase("recording_status.json", ArchiveForm.RecordingStatus, 0L, 0L)]
    [TestCase("1796370000-preview.jpg", ArchiveForm.Preview, 1796370000L, 0L)]
    public void FlussonicsFormsAreRead(string file, ArchiveForm form, long from, long duration)
    {
        Assert.That(ArchiveRequest.TryParse("cam-1", file, Cap, out var request, out var error), Is.True, error);
        Assert.That(request, Is.EqualTo(new ArchiveRequest("cam-1", form, from, duration)));
    }

    [TestCase("index--60-60.m3u8", "FROM", TestName = "A negative FROM")]
    [TestCase("index-+60-60.m3u8", "FROM", TestName = "A signed FROM")]
    [TestCase("index-1e9-60.m3u8", "FROM", TestName = "An exponent")]
    [TestCase("index-0x10-60.m3u8", "FROM", TestName = "Hexadecimal")]
    [TestCase("index-99999999999999999999-60.m3u8", "FROM", TestName = "A FROM that overflows a long")]
    [TestCase("index-300000000000-60.m3u8", "FROM", TestName = "A FROM past the year 9999")]
    [TestCase("index--60.m3u8", "FROM", TestName = "No FROM")]
    [TestCase("index-1796370000-.m3u8", "DURATION", TestName = "No DURATION")]
    [TestCase("index-1796370000--5.m3u8", "DURATION", TestName = "A negative DURATION")]
    [TestCase("index-1796370000-0.m3u8", "DURATION", TestName = "A DURATION of nothing")]
    [TestCase("archive-1796370000-21601.ts", "at most", TestName = "A DURATION over the cap")]
    [TestCase("archive-1796370000-99999999999999999999.ts", "DURATION", TestName = "A DURATION that overflows a long")]
    [TestCase("archive-1796370000-60-5.ts", "DURATION", TestName = "Three numbers")]
    [TestCase("timeshift_abs-1796370000-60.ts", "not an archive form", TestName = "A timeshift with a DURATION")]
    [TestCase("archive-1796370000-60.flv", "not an archive form", TestName = "A form not served")]
    [TestCase("index.m3u8", "not an archive form", TestName = "Live")]
    [TestCase("archive-1796370000-60.ts%00", "not an archive form", TestName = "A NUL after the form")]
    public void MalformedFormsAreRefused(string file, string reason)
    {
        Assert.That(ArchiveRequest.TryParse("cam-1", file, Cap, out var request, out var error), Is.False);
        Assert.That(request, Is.Null);
        Assert.That(error, Does.Contain(reason));
    }

    [TestCase("..")]
    [TestCase(".")]
    [TestCase(".hidden")]
    [TestCase("a/b")]
    [TestCase("..%2fsecret")]
    [TestCase("a%2Fb")]
    [TestCase("a\0b")]
    [TestCase("a\\b")]
    [TestCase("")]
    [TestCase("cam with space")]
    [TestCase("caméra")]
    public void CameraNamesThatCouldLeaveTheArchiveAreRefused(string camera)
    {
        Assert.That(ArchiveRequest.TryParse(camera, "recording_status.json", Cap, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("not a camera name"));
    }

    [Test]
    public void ALongNameIsRefused() =>
        Assert.That(ArchiveRequest.TryParse(new string('a', 101), "recording_status.json", Cap, out _, out _), Is.False);
}
