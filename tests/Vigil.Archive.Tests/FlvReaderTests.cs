using Vigil.Archive.Media;

namespace Vigil.Archive.Tests;

/// <summary>FlvReader against FLV files ffmpeg writes, checked packet by packet against ffprobe's reading of the same file.</summary>
[TestFixture]
public sealed class FlvReaderTests
{
    private string _dir = "";
    private string _flv = "";

    [OneTimeSetUp]
    public async Task MakeFiles()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-flv-").FullName;
        _flv = Path.Combine(_dir, "pattern.flv");
        await Tools.MakeFlvAsync(_flv, seconds: 4, fps: 25, gop: 25);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    private static List<FlvTag> ReadAll(string path, out FlvReader reader)
    {
        reader = FlvReader.Open(path);
        // Copy each tag's bytes: a tag's memory is the reader's buffer, reused by the next read.
        return reader.ReadTags().Select(t => t with { Body = t.Body.ToArray(), Payload = t.Payload.ToArray() }).ToList();
    }

    [Test]
    public async Task VideoTagsCarryFfprobesTimesAndKeyframes()
    {
        var tags = ReadAll(_flv, out var reader);
        reader.Dispose();
        var video = tags.Where(t => t.Kind == FlvTagKind.Video && !t.IsSequenceHeader && !t.IsEndOfSequence).ToList();
        var probe = await Tools.PacketsAsync(_flv, "v");

        Assert.That(video, Has.Count.EqualTo(probe.Count).And.Count.EqualTo(100));
        for (var i = 0; i < probe.Count; i++)
        {
            Assert.That((video[i].TimestampMs, video[i].PresentationMs, video[i].IsKeyframe), Is.EqualTo(probe[i]), $"video frame {i}");
            Assert.That(video[i].CodecId, Is.EqualTo(FlvTag.CodecAvc));
        }
        Assert.That(video.Count(v => v.IsKeyframe), Is.EqualTo(4));
        Assert.That(video.Any(v => v.CompositionTimeMs > 0), Is.True, "B-frames give composition offsets");
        Assert.That(reader.Truncated, Is.False);
        Assert.That(reader.Corruption, Is.Null);
    }

    [Test]
    public async Task AudioTagsCarryFfprobesTimes()
    {
        var tags = ReadAll(_flv, out var reader);
        reader.Dispose();
        var audio = tags.Where(t => t.Kind == FlvTagKind.Audio && !t.IsSequenceHeader).Select(t => t.TimestampMs).ToList();
        var probe = (await Tools.PacketsAsync(_flv, "a")).Select(p => p.Dts).ToList();
        Assert.That(audio, Is.EqualTo(probe));
        Assert.That(tags.Where(t => t.Kind == FlvTagKind.Audio).All(t => t.CodecId == FlvTag.CodecAac), Is.True);
    }

    [Test]
    public void SequenceHeadersComeFirstAndHoldTheDecoderConfig()
    {
        var tags = ReadAll(_flv, out var reader);
        reader.Dispose();
        Assert.That(reader.HasAudio && reader.HasVideo, Is.True);
        Assert.That(tags[0].Kind, Is.EqualTo(FlvTagKind.Script), "onMetaData");
        var avc = tags.First(t => t.Kind == FlvTagKind.Video);
        var aac = tags.First(t => t.Kind == FlvTagKind.Audio);
        Assert.That(avc.IsSequenceHeader, Is.True);
        // AVCDecoderConfigurationRecord: version 1, profile, compatibility, level, then 0xFC | lengthSizeMinusOne.
        Assert.That(avc.Payload.Span[0], Is.EqualTo(1));
        Assert.That(avc.Payload.Span[4] & 0x03, Is.EqualTo(3), "4-byte NAL lengths");
        Assert.That(aac.IsSequenceHeader, Is.True);
        // AudioSpecificConfig: object type 2 (AAC LC) in the top five bits, 44.1 kHz (index 4).
        Assert.That(aac.Payload.Span[0] >> 3, Is.EqualTo(2));
        Assert.That(((aac.Payload.Span[0] & 0x07) << 1) | (aac.Payload.Span[1] >> 7), Is.EqualTo(4));
        Assert.That(tags.Count(t => t.IsSequenceHeader), Is.EqualTo(2));
        // An AVC payload is length-prefixed NAL units that fill it exactly.
        foreach (var frame in tags.Where(t => t.Kind == FlvTagKind.Video && !t.IsSequenceHeader && !t.IsEndOfSequence))
        {
            var p = frame.Payload.Span;
            var at = 0;
            while (at + 4 <= p.Length)
            {
                at += 4 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(p[at..]);
            }
            Assert.That(at, Is.EqualTo(p.Length));
        }
    }

    [Test]
    public void OffsetsLeadBackToTheSameTag()
    {
        var tags = ReadAll(_flv, out var first);
        first.Dispose();
        using var reader = FlvReader.Open(_flv);
        foreach (var key in tags.Where(t => t.IsKeyframe))
        {
            reader.Seek(key.Offset);
            Assert.That(reader.TryReadTag(out var again), Is.True);
            Assert.That((again.TimestampMs, again.IsKeyframe, again.Body.Length), Is.EqualTo((key.TimestampMs, true, key.Body.Length)));
            Assert.That(again.Body.Span.SequenceEqual(key.Body.Span), Is.True);
        }
    }

    [Test]
    public async Task TheExtendedTimestampByteIsRead()
    {
        // 20,000 s is past the 24-bit field's 16,777 s: the tag's fourth time byte carries the rest.
        var path = Path.Combine(_dir, "late.flv");
        await Tools.MakeFlvAsync(path, seconds: 1, offsetSeconds: 20000);
        using var reader = FlvReader.Open(path);
        var video = reader.ReadTags().Where(t => t.Kind == FlvTagKind.Video && !t.IsSequenceHeader && !t.IsEndOfSequence).Select(t => t.TimestampMs).ToList();
        var probe = (await Tools.PacketsAsync(path, "v")).Select(p => p.Dts).ToList();
        Assert.That(video, Is.EqualTo(probe));
        Assert.That(video[0], Is.GreaterThan(16_777_215));
    }

    [Test]
    public void ATruncatedFileReadsUpToItsCutAndResumesAsItGrows()
    {
        var whole = File.ReadAllBytes(_flv);
        var all = ReadAll(_flv, out var r);
        r.Dispose();
        var growing = Path.Combine(_dir, "growing.flv");
        var random = new Random(15);
        foreach (var cut in Enumerable.Range(0, 40).Select(_ => random.Next(1, whole.Length)).Append(13).Append(9))
        {
            File.WriteAllBytes(growing, whole.AsSpan(0, cut).ToArray());
            using var stream = new FileStream(growing, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new FlvReader(stream);
            var read = reader.ReadTags().Select(t => (t.Offset, t.TimestampMs, t.Body.Length)).ToList();
            // Every whole tag before the cut, nothing made up after it.
            var expected = all.Where(t => t.Offset + t.SizeOnDisk <= cut).Select(t => (t.Offset, t.TimestampMs, t.Body.Length)).ToList();
            Assert.That(read, Is.EqualTo(expected), $"cut at {cut}");
            // A cut between two tags is a clean end; one inside a tag (or the header) is a truncated tail.
            var atBoundary = cut == 13 || all.Any(t => t.Offset + t.SizeOnDisk == cut);
            Assert.That(reader.Truncated, Is.EqualTo(!atBoundary), $"cut at {cut}");
            Assert.That(reader.Corruption, Is.Null);

            // The writer goes on: the same reader picks up where it stopped.
            using (var append = new FileStream(growing, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                append.Write(whole.AsSpan(cut));
            }
            var rest = reader.ReadTags().Select(t => (t.Offset, t.TimestampMs, t.Body.Length)).ToList();
            Assert.That(read.Concat(rest), Is.EqualTo(all.Select(t => (t.Offset, t.TimestampMs, t.Body.Length))), $"resumed after a cut at {cut}");
            Assert.That(reader.Truncated, Is.False);
        }
    }

    [Test]
    public void ALengthOverTheCapStopsTheReading()
    {
        var bytes = File.ReadAllBytes(_flv);
        var all = ReadAll(_flv, out var r);
        r.Dispose();
        var victim = all[5];
        // The tag's 24-bit size made 0xFFFFFF.
        bytes[victim.Offset + 1] = 0xFF;
        bytes[victim.Offset + 2] = 0xFF;
        bytes[victim.Offset + 3] = 0xFF;
        using var reader = new FlvReader(new MemoryStream(bytes), maxTagSize: 1024 * 1024);
        var read = reader.ReadTags().Count();
        Assert.That(read, Is.EqualTo(5));
        Assert.That(reader.Corruption, Does.Contain("over the cap"));
        Assert.That(reader.Position, Is.EqualTo(victim.Offset));
    }

    [TestCase(new byte[] { 0x46, 0x4C, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0 }, null, TestName = "An empty FLV has no tags")]
    [TestCase(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0, 0, 0, 0, 0, 0 }, "no FLV signature", TestName = "A GIF is no FLV")]
    [TestCase(new byte[] { 0x46, 0x4C, 0x56, 1, 5, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, "out of range", TestName = "A huge header length is refused")]
    public void HeadersAreChecked(byte[] bytes, string? corruption)
    {
        using var reader = new FlvReader(new MemoryStream(bytes));
        Assert.That(reader.TryReadTag(out _), Is.False);
        if (corruption is null)
        {
            Assert.That(reader.Corruption, Is.Null);
            Assert.That(reader.Truncated, Is.False);
        }
        else
        {
            Assert.That(reader.Corruption, Does.Contain(corruption));
        }
    }
}
