using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>
/// Decoding times derived from presentation times in decoding order, for frame sequences shaped
/// the way encoders send B-frames, and the reorder depth read from real encoders' SPS.
/// </summary>
[TestFixture]
public sealed class DecodeTimelineTests
{
    // x264 Main profile, two B-frames without pyramid: I0 P3 B1 B2 P6 B4 B5 ... (frame numbers in display order).
    private static readonly int[] TwoBFrames = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11, 15, 13, 14];

    // Three B-frames with a pyramid (x264 b-pyramid=normal): I0 P4 B2 b1 b3 P8 B6 b5 b7 ...
    private static readonly int[] Pyramid = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11, 16, 14, 13, 15];

    private static long[] Dts(DecodeTimeline timeline, int[] order, long frameMs = 40)
    {
        var dts = new long[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            dts[i] = timeline.Next(1000 + order[i] * frameMs);
        }
        return dts;
    }

    private static void AssertValid(int[] order, long[] dts, int from, long frameMs = 40)
    {
        for (var i = 1; i < dts.Length; i++)
        {
            Assert.That(dts[i], Is.GreaterThan(dts[i - 1]), $"decoding times strictly increase (frame {i})");
        }
        for (var i = from; i < dts.Length; i++)
        {
            Assert.That(dts[i], Is.LessThanOrEqualTo(1000 + order[i] * frameMs), $"a frame is decoded no later than shown (frame {i})");
        }
    }

    [Test]
    public void TwoBFramesWithTheDepthFromTheSps()
    {
        var timeline = new DecodeTimeline();
        timeline.AtLeast(1);
        var dts = Dts(timeline, TwoBFrames);
        AssertValid(TwoBFrames, dts, 0);
        // Once started, each frame is decoded one frame time before the next in display order.
        Assert.That(dts[1..6], Is.EqualTo(new long[] { 1000, 1040, 1080, 1120, 1160 }));
        // B-frames are shown when decoded; the P-frames sent ahead of them are not.
        Assert.That(1000 + TwoBFrames[1] * 40 - dts[1], Is.EqualTo(120));
    }

    [Test]
    public void APyramidNeedsTwoFramesOfDepth()
    {
        var timeline = new DecodeTimeline();
        timeline.AtLeast(2);
        var dts = Dts(timeline, Pyramid);
        AssertValid(Pyramid, dts, 0);
        Assert.That(timeline.Depth, Is.EqualTo(2));
    }

    [Test]
    public void WithoutTheSpsTheDepthIsLearnedFromTheTimes()
    {
        var timeline = new DecodeTimeline();
        var dts = Dts(timeline, Pyramid);
        Assert.That(timeline.Depth, Is.EqualTo(2));
        // While the depth is learned the times step forward; from the second group of pictures on
        // every frame is decoded no later than shown.
        AssertValid(Pyramid, dts, 5);
    }

    [Test]
    public void WithoutBFramesDecodingTimeIsPresentationTime()
    {
        var timeline = new DecodeTimeline();
        timeline.AtLeast(ReorderDepth.FromSps(Convert.FromHexString("674d400dd90141fb011000000300100000030320f142a480"), hevc: false));
        int[] order = [0, 1, 2, 3, 4, 5];
        Assert.That(Dts(timeline, order), Is.EqualTo(order.Select(i => 1000L + i * 40).ToArray()));
    }

    [Test]
    public void ARepeatedTimeStillMovesForward()
    {
        var timeline = new DecodeTimeline();
        Assert.That(new[] { timeline.Next(100), timeline.Next(100), timeline.Next(140) }, Is.EqualTo(new long[] { 100, 101, 140 }));
    }

    // SPS of x264 (ffmpeg's libx264, Main profile) and of x265, with and without B-frames.
    [TestCase("674d400dd90141fb011000000300100000030320f142a480", false, 0)]
    [TestCase("674d400de880a0fd80880000030008000003019078a14890", false, 1)]
    [TestCase("674d400deca0a0fd80880000030008000003019078a14cb0", false, 2)]
    [TestCase("42010101600000030090000003000003003ca00a080f16592a4932bc05a0200000030020000003032100", true, 0)]
    [TestCase("4201010408000003009e0800000300003c90014101e2cb2b2c9265780b702020004000000300400000064200", true, 2)]
    // Baseline: no B-frames whatever the rest says.
    [TestCase("6742c01e", false, 0)]
    // Cut short: unknown.
    [TestCase("674d400de880a0", false, -1)]
    [TestCase("4201", true, -1)]
    public void ReorderDepthFromTheSps(string hex, bool hevc, int depth) =>
        Assert.That(ReorderDepth.FromSps(Convert.FromHexString(hex), hevc), Is.EqualTo(depth));
}
