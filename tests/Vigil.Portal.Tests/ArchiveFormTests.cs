using Vigil.Portal.Hooks;

namespace Vigil.Portal.Tests;

/// <summary>The reading of Flussonic's archive forms in an nginx-rtmp node's paths, without a server.</summary>
public sealed class ArchiveFormTests
{
    [TestCase("index-1700000000-600.m3u8", 1700000000L, 1700000600L)]
    [TestCase("archive-1700000000-600.ts", 1700000000L, 1700000600L)]
    [TestCase("archive-1700000000-1.mp4", 1700000000L, 1700000001L)]
    [TestCase("archive-1700000000-86400.mp4", 1700000000L, 1700086400L)]
    [TestCase("timeshift_abs-1700000000.ts", 1700000000L, 0L)]
    [TestCase("timeshift_abs-1700000000.m3u8", 1700000000L, 0L)]
    [TestCase("1700000000-preview.jpg", 1700000000L, 1700000001L)]
    public void AnArchiveFormNamesItsWindow(string file, long from, long to)
    {
        Assert.That(ArchiveForm.Read(file, out var request), Is.EqualTo(ArchiveFormKind.Archive));
        Assert.That(request, Is.EqualTo(StreamRequest.Window(from, to) with { Preview = file.EndsWith("-preview.jpg", StringComparison.Ordinal) }));
    }

    [Test]
    public void TheRecordingStatusIsArchiveWithoutAWindow()
    {
        Assert.That(ArchiveForm.Read("recording_status.json", out var request), Is.EqualTo(ArchiveFormKind.Archive));
        Assert.That(request, Is.EqualTo(new StreamRequest(true)));
    }

    [TestCase("index.m3u8")]
    [TestCase("17.ts")]
    [TestCase("mpegts")]
    [TestCase("preview.jpg")]
    public void LiveFilesStayLive(string file)
    {
        Assert.That(ArchiveForm.Read(file, out var request), Is.EqualTo(ArchiveFormKind.Live));
        Assert.That(request, Is.EqualTo(StreamRequest.Live));
    }

    [TestCase("index-1700000000-0.m3u8", TestName = "a zero duration")]
    [TestCase("index-1700000000-86401.m3u8", TestName = "a duration over the cap")]
    [TestCase("archive-1700000000-999999999999999999999.mp4", TestName = "an overflowing duration")]
    [TestCase("archive-99999999999999999999-60.mp4", TestName = "an overflowing start")]
    [TestCase("archive--1700000000-60.mp4", TestName = "a negative start")]
    [TestCase("archive-1700000000--60.mp4", TestName = "a negative duration")]
    [TestCase("archive-+1700000000-60.mp4", TestName = "a signed start")]
    [TestCase("archive-1700000000-9e9.mp4", TestName = "an exponent")]
    [TestCase("archive-1700000000-0x10.mp4", TestName = "a hexadecimal duration")]
    [TestCase("archive-1700000000-60.5.mp4", TestName = "a fractional duration")]
    [TestCase("archive-1700000000.mp4", TestName = "no duration")]
    [TestCase("archive-1700000000-60.flv", TestName = "an unknown container")]
    [TestCase("archive-123-60.mp4", TestName = "a start before this century")]
    [TestCase("index-1700000000-60-60.m3u8", TestName = "three numbers")]
    [TestCase("index-1700000000-60.ts", TestName = "a playlist form with another suffix")]
    [TestCase("timeshift_rel-60.ts", TestName = "a relative timeshift")]
    [TestCase("timeshift_abs-now.ts", TestName = "a start that is no number")]
    [TestCase("-preview.jpg", TestName = "a preview of no moment")]
    [TestCase("17000000001700000000-preview.jpg", TestName = "a preview of an overflowing moment")]
    public void ASpellingThatLooksLikeTheArchiveButIsNoneIsMalformed(string file) =>
        Assert.That(ArchiveForm.Read(file, out _), Is.EqualTo(ArchiveFormKind.Malformed));
}
