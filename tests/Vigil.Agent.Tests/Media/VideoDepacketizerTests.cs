using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>H.264 and H.265 RTP into access units, with the faults real cameras produce.</summary>
[TestFixture]
public sealed class VideoDepacketizerTests
{
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1E, 0xDA, 0x02, 0x80, 0xBF];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];
    private static readonly byte[] Idr = [0x65, 0x88, 0x84, 0x21, 0xA0];
    private static readonly byte[] Slice = [0x41, 0x9A, 0x02, 0x33];

    private static SdpTrack H264(bool sprop = false) => new()
    {
        Codec = MediaCodec.H264,
        ClockRate = 90000,
        ParameterSets = sprop ? [Sps, Pps] : [],
    };

    private static (VideoDepacketizer D, TestFrames Frames) Make(SdpTrack? format = null, int max = MediaPipeline.MaxFrameBytes)
    {
        var frames = new TestFrames();
        return (new VideoDepacketizer(format ?? H264(), 0, frames, max), frames);
    }

    private static byte[] StapA(params byte[][] nals)
    {
        var list = new List<byte> { 24 };
        foreach (var n in nals)
        {
            list.Add((byte)(n.Length >> 8));
            list.Add((byte)n.Length);
            list.AddRange(n);
        }
        return [.. list];
    }

    /// <summary>FU-A fragments of one NAL unit, <paramref name="size"/> bytes of it per fragment.</summary>
    private static List<byte[]> FuA(byte[] nal, int size)
    {
        var list = new List<byte[]>();
        for (var at = 1; at < nal.Length; at += size)
        {
            var n = Math.Min(size, nal.Length - at);
            var header = (byte)((at == 1 ? 0x80 : 0) | (at + n == nal.Length ? 0x40 : 0) | nal[0] & 0x1F);
            list.Add([(byte)(nal[0] & 0xE0 | 28), header, .. nal.AsSpan(at, n)]);
        }
        return list;
    }

    [Test]
    public void SingleNalUnitsMakeAFrameAtTheMarker()
    {
        var (d, f) = Make();
        TestFrames.Push(d, 1, 0, false, Sps);
        TestFrames.Push(d, 2, 0, false, Pps);
        TestFrames.Push(d, 3, 0, true, Idr);
        TestFrames.Push(d, 4, 3600, true, Slice);
        Assert.That(f.Frames, Has.Count.EqualTo(2));
        Assert.That(f.Frames[0].Key, Is.True);
        Assert.That(TestFrames.Nals(f.Frames[0].Data), Is.EqualTo(new[] { Sps, Pps, Idr }));
        Assert.That((f.Frames[1].Key, f.Frames[1].Timestamp), Is.EqualTo((false, 3600u)));
        Assert.That(TestFrames.Nals(f.Frames[1].Data), Is.EqualTo(new[] { Slice }));
    }

    [Test]
    public void StapAAndFuAAreTakenApartAndPutTogether()
    {
        var (d, f) = Make();
        var bigIdr = new byte[5000];
        new Random(7).NextBytes(bigIdr);
        bigIdr[0] = 0x65;
        ushort seq = 100;
        TestFrames.Push(d, seq++, 9000, false, StapA(Sps, Pps));
        var fragments = FuA(bigIdr, 1400);
        for (var i = 0; i < fragments.Count; i++)
        {
            TestFrames.Push(d, seq++, 9000, i == fragments.Count - 1, fragments[i]);
        }
        Assert.That(f.Frames, Has.Count.EqualTo(1));
        Assert.That(TestFrames.Nals(f.Frames[0].Data), Is.EqualTo(new[] { Sps, Pps, bigIdr }));
        Assert.That(f.Frames[0].Key, Is.True);
    }

    [Test]
    public void WithoutMarkerBitsATimestampChangeEndsTheFrame()
    {
        var (d, f) = Make();
        TestFrames.Push(d, 1, 0, false, StapA(Sps, Pps));
        TestFrames.Push(d, 2, 0, false, Idr);
        TestFrames.Push(d, 3, 3600, false, Slice);
        TestFrames.Push(d, 4, 7200, false, Slice);
        Assert.That(f.Frames.Select(x => x.Timestamp), Is.EqualTo(new[] { 0u, 3600u }));
        Assert.That(TestFrames.Nals(f.Frames[0].Data), Is.EqualTo(new[] { Sps, Pps, Idr }));
    }

    [Test]
    public void ASequenceGapDropsEverythingUpToTheNextKeyframe()
    {
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 10, 0, true, Idr);
        TestFrames.Push(d, 11, 3600, true, Slice);
        // 12 is lost.
        TestFrames.Push(d, 13, 7200, true, Slice);
        TestFrames.Push(d, 14, 10800, true, Slice);
        TestFrames.Push(d, 15, 14400, true, Idr);
        TestFrames.Push(d, 16, 18000, true, Slice);
        Assert.That(f.Frames.Select(x => x.Timestamp), Is.EqualTo(new[] { 0u, 3600u, 14400u, 18000u }));
        Assert.That(f.Drops, Is.EqualTo(3), "the frame the gap broke, and the two after it");
        Assert.That(d.Drops, Is.EqualTo(3));
    }

    [Test]
    public void AGapInsideAFragmentedFrameDropsThatFrameAndWhatFollowsUntilAKeyframe()
    {
        var (d, f) = Make(H264(sprop: true));
        var nal = new byte[3000];
        nal[0] = 0x41;
        var fragments = FuA(nal, 1000);
        TestFrames.Push(d, 1, 0, true, Idr);
        TestFrames.Push(d, 2, 3600, false, fragments[0]);
        TestFrames.Push(d, 4, 3600, true, fragments[2]); // 3 lost
        TestFrames.Push(d, 5, 7200, true, Slice);
        TestFrames.Push(d, 6, 10800, true, Idr);
        Assert.That(f.Frames.Select(x => x.Timestamp), Is.EqualTo(new[] { 0u, 10800u }));
    }

    [Test]
    public void SequenceNumbersWrapWithoutAGap()
    {
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 65535, 0, true, Idr);
        TestFrames.Push(d, 0, 3600, true, Slice);
        Assert.That(f.Frames, Has.Count.EqualTo(2));
        Assert.That(f.Drops, Is.Zero);
    }

    [Test]
    public void AnnexBStartCodesInsideANalUnitAreSplit()
    {
        var (d, f) = Make();
        // One "NAL unit" that is really SPS, PPS and IDR glued with 3- and 4-byte start codes, as some
        // cameras send them, and a payload that begins with a start code.
        byte[] glued = [.. Sps, 0, 0, 1, .. Pps, 0, 0, 0, 1, .. Idr];
        TestFrames.Push(d, 1, 0, true, glued);
        TestFrames.Push(d, 2, 3600, true, [0, 0, 0, 1, .. Slice]);
        Assert.That(f.Frames, Has.Count.EqualTo(2));
        Assert.That(TestFrames.Nals(f.Frames[0].Data), Is.EqualTo(new[] { Sps, Pps, Idr }));
        Assert.That(f.Frames[0].Key, Is.True);
        Assert.That(TestFrames.Nals(f.Frames[1].Data), Is.EqualTo(new[] { Slice }));
    }

    [Test]
    public void AFrameOverTheCapIsDroppedAndTheNextKeyframeGoesThrough()
    {
        // 10 MB of fragments against the agent's real cap.
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 1, 0, true, Idr);
        var huge = new byte[10 * 1024 * 1024];
        huge[0] = 0x41;
        ushort seq = 2;
        var fragments = FuA(huge, 1400);
        for (var i = 0; i < fragments.Count; i++)
        {
            TestFrames.Push(d, seq++, 3600, i == fragments.Count - 1, fragments[i]);
        }
        TestFrames.Push(d, seq++, 7200, true, Slice);
        TestFrames.Push(d, seq++, 10800, true, Idr);
        Assert.That(f.Frames.Select(x => x.Timestamp), Is.EqualTo(new[] { 0u, 10800u }));
        Assert.That(f.Drops, Is.EqualTo(2));
        Assert.That(f.Frames.Max(x => x.Data.Length), Is.LessThan(100));
    }

    [Test]
    public void AKeyframeWithoutParameterSetsGetsThemFromTheSdp()
    {
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 1, 0, true, Idr);
        Assert.That(TestFrames.Nals(f.Frames.Single().Data), Is.EqualTo(new[] { Sps, Pps, Idr }));
    }

    [Test]
    public void AKeyframeWithoutParameterSetsGetsThoseSeenEarlierInTheStream()
    {
        var (d, f) = Make();
        TestFrames.Push(d, 1, 0, false, StapA(Sps, Pps));
        TestFrames.Push(d, 2, 0, true, Idr);
        TestFrames.Push(d, 3, 90000, true, Idr);
        Assert.That(TestFrames.Nals(f.Frames[1].Data), Is.EqualTo(new[] { Sps, Pps, Idr }));
    }

    [Test]
    public void WithoutAnyParameterSetsKeyframesWaitForThem()
    {
        var (d, f) = Make();
        TestFrames.Push(d, 1, 0, true, Idr);
        TestFrames.Push(d, 2, 3600, true, Slice);
        Assert.That(f.Frames, Is.Empty);
        Assert.That(f.Drops, Is.EqualTo(2));
        TestFrames.Push(d, 3, 7200, false, StapA(Sps, Pps));
        TestFrames.Push(d, 4, 7200, true, Idr);
        Assert.That(f.Frames.Single().Key, Is.True);
    }

    [Test]
    public void FramesBeforeTheFirstKeyframeAreSkippedWithoutCountingAsDrops()
    {
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 1, 0, true, Slice);
        TestFrames.Push(d, 2, 3600, true, Slice);
        TestFrames.Push(d, 3, 7200, true, Idr);
        Assert.That(f.Frames.Single().Timestamp, Is.EqualTo(7200u));
        Assert.That(f.Drops, Is.Zero);
    }

    [TestCase(new byte[] { 24, 0, 10, 0x67 }, TestName = "STAP-A unit running past the packet")]
    [TestCase(new byte[] { 24, 0 }, TestName = "STAP-A cut inside a size")]
    [TestCase(new byte[] { 28, 0x05 }, TestName = "FU-A without its payload")]
    [TestCase(new byte[] { 28, 0x45, 1, 2 }, TestName = "FU-A end without its start")]
    [TestCase(new byte[] { 25, 1, 2, 3 }, TestName = "STAP-B")]
    public void BrokenPayloadsDropTheFrame(byte[] payload)
    {
        var (d, f) = Make(H264(sprop: true));
        TestFrames.Push(d, 1, 0, true, Idr);
        TestFrames.Push(d, 2, 3600, true, payload);
        TestFrames.Push(d, 3, 7200, true, Slice);
        TestFrames.Push(d, 4, 10800, true, Idr);
        Assert.That(f.Frames.Select(x => x.Timestamp), Is.EqualTo(new[] { 0u, 10800u }));
    }

    [Test]
    public void RandomPayloadsNeverThrowAndNeverExceedTheCap()
    {
        var random = new Random(99);
        foreach (var hevc in new[] { false, true })
        {
            var format = new SdpTrack { Codec = hevc ? MediaCodec.H265 : MediaCodec.H264, ClockRate = 90000 };
            var (d, f) = Make(format, max: 64 * 1024);
            for (var i = 0; i < 20_000; i++)
            {
                var payload = new byte[random.Next(0, 1500)];
                random.NextBytes(payload);
                TestFrames.Push(d, (ushort)(i + (random.Next(50) == 0 ? 5 : 0)), (uint)(i / 7 * 3600), random.Next(8) == 0, payload);
            }
            // The cap holds for the frame; parameter sets a keyframe lacked may come on top.
            Assert.That(f.Frames.All(x => x.Data.Length <= 64 * 1024 + 3 * 1504), Is.True);
            Assert.That(f.Frames.Count + f.Drops, Is.GreaterThan(0), "something came out of 20,000 packets");
        }
    }

    [Test]
    public void H265AggregationAndFragmentationUnits()
    {
        byte[] vps = [0x40, 0x01, 0x0C, 0x01];
        byte[] sps = [0x42, 0x01, 0x01, 0x01, 0x60];
        byte[] pps = [0x44, 0x01, 0xC1, 0x72];
        var idr = new byte[3000];
        new Random(3).NextBytes(idr);
        idr[0] = 19 << 1; // IDR_W_RADL
        idr[1] = 0x01;
        var frames = new TestFrames();
        var d = new VideoDepacketizer(new SdpTrack { Codec = MediaCodec.H265, ClockRate = 90000 }, 0, frames, MediaPipeline.MaxFrameBytes);
        var ap = new List<byte> { 48 << 1, 1 };
        foreach (var n in new[] { vps, sps, pps })
        {
            ap.Add(0);
            ap.Add((byte)n.Length);
            ap.AddRange(n);
        }
        TestFrames.Push(d, 1, 0, false, ap.ToArray());
        ushort seq = 2;
        for (var at = 2; at < idr.Length; at += 1000)
        {
            var n = Math.Min(1000, idr.Length - at);
            var end = at + n == idr.Length;
            byte fu = (byte)((at == 2 ? 0x80 : 0) | (end ? 0x40 : 0) | 19);
            TestFrames.Push(d, seq++, 0, end, [49 << 1, 1, fu, .. idr.AsSpan(at, n)]);
        }
        var frame = frames.Frames.Single();
        Assert.That(frame.Key, Is.True);
        Assert.That(TestFrames.Nals(frame.Data), Is.EqualTo(new[] { vps, sps, pps, idr }));
    }

    [Test]
    public void AnnexBSplittingDropsThePaddingOfFourByteStartCodes()
    {
        byte[] data = [0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 2, 0, 0, 0, 1, 0x65, 3, 0];
        var ranges = VideoDepacketizer.SplitAnnexB(data);
        Assert.That(ranges.Select(r => data[r]), Is.EqualTo(new[] { new byte[] { 0x67, 1 }, [0x68, 2], [0x65, 3] }));
    }
}
