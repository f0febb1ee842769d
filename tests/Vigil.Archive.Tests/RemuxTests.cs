using Vigil.Archive.Playback;
using Vigil.Archive.Store;

namespace Vigil.Archive.Tests;

/// <summary>The FLV-to-MPEG-TS remux on files ffmpeg makes, checked by ffprobe and ffmpeg's decoder: every frame, every time, no error.</summary>
[TestFixture]
public sealed class RemuxTests
{
    private const long Start = 1_796_000_000_000;
    private string _dir = "";
    private Recording _recording = null!;
    private List<(long Dts, long Pts, bool Key)> _video = [];
    private List<(long Dts, long Pts, bool Key)> _audio = [];

    [OneTimeSetUp]
    public async Task MakeFile()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-remux-").FullName;
        var flv = Path.Combine(_dir, "pattern.flv");
        await Tools.MakeFlvAsync(flv, seconds: 6, fps: 25, gop: 25);
        _recording = new Recording("cam", flv, RecordingIndex.Build(flv, Start, out _), Live: false);
        _video = await Tools.PacketsAsync(flv, "v");
        _audio = await Tools.PacketsAsync(flv, "a");
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    private async Task<string> RemuxAsync(long cutFrom, long cutTo, string name)
    {
        var ts = Path.Combine(_dir, name);
        await using var output = File.Create(ts);
        var tags = new ArchiveTags(new LiveRecordings(new ArchiveLayout(_dir, _dir)));
        await TsRangeWriter.WriteAsync(tags.ReadAsync("cam", [_recording], cutFrom, cutTo, follow: false, CancellationToken.None), output, live: false, CancellationToken.None);
        return ts;
    }

    [Test]
    public async Task TheWholeFileKeepsEveryFrameAndItsTimes()
    {
        var ts = await RemuxAsync(Start, long.MaxValue, "all.ts");
        Assert.That(await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", ts, "-f", "null", "-"), Is.Empty);
        var video = await Tools.PacketsAsync(ts, "v");
        var audio = await Tools.PacketsAsync(ts, "a");
        var offset = NodePeers.WallToTsMs(Start);
        Assert.That(video.Select(p => (p.Dts - offset, p.Pts - offset, p.Key)), Is.EqualTo(_video), "each frame's DTS, PTS (B-frames) and keyframe flag");
        Assert.That(audio.Count, Is.EqualTo(_audio.Count), "every AAC frame");
        Assert.That(audio.Select(p => p.Pts - offset), Is.EqualTo(_audio.Select(p => p.Pts)));
    }

    [Test]
    public async Task ARangeStartsAtTheKeyframeBeforeItAndEndsBeforeTheKeyframeOfItsEnd()
    {
        var cutFrom = ArchiveCatalog.CutAt([_recording], Start + 2500);
        var cutTo = ArchiveCatalog.CutAt([_recording], Start + 4500);
        Assert.That((cutFrom, cutTo), Is.EqualTo((Start + 2000, Start + 4000)), "keyframes each second");
        var ts = await RemuxAsync(cutFrom, cutTo, "range.ts");
        var video = await Tools.PacketsAsync(ts, "v");
        Assert.That(video, Has.Count.EqualTo(50));
        Assert.That(video.OrderBy(p => p.Dts).First().Key, Is.True);
        Assert.That(video.Min(p => p.Dts) - NodePeers.WallToTsMs(Start), Is.EqualTo(2000));
    }
}
