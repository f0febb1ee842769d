using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Vigil.Archive.Export;
using Vigil.Archive.Media;
using Vigil.Archive.Playback;

namespace Vigil.Archive.Tests;

/// <summary>
/// The MP4 export written from FLV files ffmpeg makes (H.264 with B-frames, AAC), checked with ffprobe
/// and ffmpeg's own decoder: the boxes in progressive order, the codecs, the length, every frame, and
/// presentation times equal to the FLV's own.
/// </summary>
[TestFixture]
public sealed class Mp4ExportTests
{
    private string _dir = "";
    private string _flv = "";

    [OneTimeSetUp]
    public async Task MakeFiles()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-mp4-").FullName;
        _flv = Path.Combine(_dir, "pattern.flv");
        await Tools.MakeFlvAsync(_flv, seconds: 20, fps: 25, gop: 25);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    /// <summary>The tags of a file as the archive hands them on: each with its wall-clock time, the recording starting at <paramref name="startMs"/>.</summary>
    internal static async IAsyncEnumerable<TimedTag> TagsOf(string path, long startMs, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        using var reader = FlvReader.Open(path);
        while (reader.TryReadTag(out var tag))
        {
            cancel.ThrowIfCancellationRequested();
            yield return new TimedTag(tag, startMs + tag.TimestampMs);
        }
        await Task.CompletedTask;
    }

    private async Task<string> ExportAsync(string flv, string name)
    {
        var plan = await Mp4Export.PlanAsync(TagsOf(flv, 1_700_000_000_000), CancellationToken.None);
        Assert.That(plan, Is.Not.Null);
        var mp4 = Path.Combine(_dir, name);
        await using (var file = File.Create(mp4))
        {
            await Mp4Export.WriteAsync(plan!, TagsOf(flv, 1_700_000_000_000), file, CancellationToken.None);
        }
        Assert.That(new FileInfo(mp4).Length, Is.EqualTo(plan!.Length), "the length announced before the media is the length written");
        return mp4;
    }

    /// <summary>The top-level boxes of a file, in order.</summary>
    private static List<string> TopBoxes(string path)
    {
        var boxes = new List<string>();
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[16];
        while (file.Position < file.Length)
        {
            var start = file.Position;
            file.ReadExactly(head[..8]);
            long size = BinaryPrimitives.ReadUInt32BigEndian(head);
            boxes.Add(System.Text.Encoding.ASCII.GetString(head[4..8]));
            if (size == 1)
            {
                file.ReadExactly(head[8..16]);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(head[8..]);
            }
            Assert.That(size, Is.GreaterThanOrEqualTo(8));
            file.Position = start + size;
        }
        return boxes;
    }

    [Test]
    public async Task TheExportIsAProgressiveMp4ThatDecodesWhole()
    {
        var mp4 = await ExportAsync(_flv, "whole.mp4");
        Assert.That(TopBoxes(mp4), Is.EqualTo(new[] { "ftyp", "moov", "mdat" }), "moov before mdat: it plays while it downloads");

        var streams = await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height,nb_frames,sample_rate,channels",
            "-show_entries", "format=duration", "-of", "default=nw=1", mp4);
        Assert.That(streams, Does.Contain("codec_name=h264").And.Contain("codec_name=aac"));
        Assert.That(streams, Does.Contain("width=320").And.Contain("height=240"), "the size read from the SPS");
        Assert.That(streams, Does.Contain("nb_frames=500"), "every frame of 20 s at 25 fps");
        Assert.That(streams, Does.Contain("sample_rate=44100"));
        var duration = double.Parse(streams.Split('\n').First(l => l.StartsWith("duration=", StringComparison.Ordinal))[9..], CultureInfo.InvariantCulture);
        Assert.That(duration, Is.EqualTo(20.0).Within(0.15));

        // ffmpeg's own decoder over every frame: no error at all.
        var errors = await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", mp4, "-f", "null", "-");
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public async Task PresentationTimesAreTheFlvsOwnBFramesIncluded()
    {
        var mp4 = await ExportAsync(_flv, "times.mp4");
        var flv = await Tools.PacketsAsync(_flv, "v");
        var exported = await Tools.PacketsAsync(mp4, "v");
        Assert.That(exported, Has.Count.EqualTo(flv.Count));
        Assert.That(flv.Any(p => p.Pts != p.Dts), Is.True, "the source has B-frames: composition offsets are exercised");
        // The export starts its presentation at the first frame; the FLV's times are relative to its own zero.
        var shift = exported[0].Pts - flv[0].Pts;
        for (var i = 0; i < flv.Count; i++)
        {
            Assert.That(exported[i].Pts - shift, Is.EqualTo(flv[i].Pts).Within(1), $"frame {i}: pts");
            Assert.That(exported[i].Key, Is.EqualTo(flv[i].Key), $"frame {i}: keyframe");
        }
    }

    [Test]
    public async Task TheSizeOfACroppedPictureIsReadFromItsSps()
    {
        var flv = Path.Combine(_dir, "cropped.flv");
        await Tools.RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
            "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-f", "flv", flv);
        var mp4 = await ExportAsync(flv, "cropped.mp4");
        var size = await Tools.RunAsync("/usr/bin/ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height", "-of", "csv=p=0", mp4);
        Assert.That(size.Trim(), Is.EqualTo("640,360"));
    }

    [Test]
    public async Task TagsWithoutAnyCodecConfigurationMakeNoFile()
    {
        var plan = await Mp4Export.PlanAsync(Frames(), CancellationToken.None);
        Assert.That(plan, Is.Null);

        static async IAsyncEnumerable<TimedTag> Frames()
        {
            var body = new byte[] { 0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65 };
            yield return new TimedTag(FlvReader.Describe(FlvTagKind.Video, 0, 0, body), 1000);
            await Task.CompletedTask;
        }
    }

    [TestCase(new byte[] { 0x12, 0x10 }, 44100, 2)]
    [TestCase(new byte[] { 0x11, 0x88 }, 48000, 1)]
    [TestCase(new byte[] { 0x17, 0x80, 0x5D, 0xC0, 0x08 }, 48000, 1, TestName = "an explicit frequency")]
    [TestCase(new byte[] { 0x17 }, 0, 0, TestName = "a config cut short")]
    [TestCase(new byte[] { 0x16, 0x80 }, 0, 0, TestName = "a reserved frequency index")]
    public void TheSampleRateOfAnAudioSpecificConfig(byte[] config, int rate, int channels)
    {
        Assert.That(Mp4Export.AacSampleRate(config, out var read), Is.EqualTo(rate));
        if (rate > 0)
        {
            Assert.That(read, Is.EqualTo(channels));
        }
    }
}
