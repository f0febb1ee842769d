using Vigil.Live.Priming;
using Vigil.Stack;

namespace Vigil.Live.Tests.Priming;

/// <summary>The newest whole keyframe of an HLS fragment, read from a real MPEG-TS (ffmpeg's) and checked against ffprobe.</summary>
[TestFixture]
public sealed class TsKeyframeTests : PrimingMediaFixture
{
    [Test]
    public async Task TheLastKeyframeIsTheOneFfprobeSeesWithTheTimeOfTheFrameAfterItAndItDecodes()
    {
        var key = TsKeyframe.Last(Media.Ts);
        Assert.That(key, Is.Not.Null);
        var last = Media.Keyframes()[^1];
        Assert.That(key!.Pts, Is.EqualTo(Media.Packets[last].Pts), "the third keyframe's presentation time");
        Assert.That(key.NextPts, Is.EqualTo(Media.Packets[last + 1].Pts), "and the next frame's");
        var types = AnnexB.Units(key.AccessUnit).Select(u => u.Span[0] & 0x1F).ToList();
        Assert.That(types, Does.Contain(7).And.Contain(8).And.Contain(5), "SPS, PPS and the IDR slice");
        Assert.That(types, Does.Not.Contain(1), "one access unit: no slice of the next frame");

        // ffmpeg decodes the access unit alone into the picture.
        var file = Path.Combine(Media.Dir, "key.h264");
        await File.WriteAllBytesAsync(file, key.AccessUnit);
        var probe = await ProgramRun.RunFileAsync("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", file]);
        Assert.That(probe.Stdout.Trim(), Is.EqualTo("320,240,1"), probe.Stderr);
    }

    [Test]
    public void AKeyframeCutShortIsPassedOverForTheOneBefore()
    {
        var keyframes = Media.Keyframes();
        var lastAt = (int)Media.Packets[keyframes[^1]].Pos;
        // The fragment as nginx-rtmp is still writing it: three packets into its last keyframe.
        var key = TsKeyframe.Last(Media.Ts.AsSpan(0, lastAt + 3 * 188));
        Assert.That(key, Is.Not.Null);
        Assert.That(key!.Pts, Is.EqualTo(Media.Packets[keyframes[^2]].Pts));
        // Only the first keyframe's start: nothing whole.
        Assert.That(TsKeyframe.Last(Media.Ts.AsSpan(0, (int)Media.Packets[keyframes[0]].Pos + 2 * 188)), Is.Null);
    }

    [Test]
    public void WhatIsNotAFragmentOfH264GivesNoKeyframeAndNoError()
    {
        Assert.That(TsKeyframe.Last([]), Is.Null);
        Assert.That(TsKeyframe.Last(new byte[187]), Is.Null);
        Assert.That(TsKeyframe.Last(Enumerable.Repeat((byte)0x47, 188 * 50).ToArray()), Is.Null, "sync bytes only");
        var random = new Random(1234);
        var noise = new byte[188 * 1000];
        random.NextBytes(noise);
        for (var i = 0; i < noise.Length; i += 188)
        {
            noise[i] = 0x47;
        }
        Assert.That(TsKeyframe.Last(noise), Is.Null, "packets of noise");
        Assert.That(TsKeyframe.Last(new byte[TsKeyframe.MaxFileBytes + 188]), Is.Null, "larger than a fragment may be");
    }

    [Test]
    public void MangledFragmentsNeverThrowAndNeverYieldMoreThanTheCap()
    {
        var random = new Random(42);
        var found = 0;
        for (var round = 0; round < 1500; round++)
        {
            var copy = (byte[])Media.Ts.Clone();
            var length = random.Next(2) == 0 ? copy.Length : random.Next(copy.Length);
            for (var flips = random.Next(1, 40); flips > 0; flips--)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }
            var key = TsKeyframe.Last(copy.AsSpan(0, length));
            if (key is not null)
            {
                found++;
                Assert.That(key.AccessUnit.Length, Is.LessThanOrEqualTo(TsKeyframe.MaxAccessUnitBytes));
                Assert.That(key.NextPts, Is.Not.EqualTo(key.Pts));
            }
        }
        Assert.That(found, Is.GreaterThan(0), "lightly mangled fragments still give their keyframes");
    }
}
