using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class MediaTimelineTests
{
    private static readonly StreamInfo AudioVideo = new([
        new SdpTrack { Codec = MediaCodec.H264, ClockRate = 90000 },
        new SdpTrack { Codec = MediaCodec.Aac, ClockRate = 44100 },
    ]);

    [Test]
    public void RtpTimestampsWrapAroundWithoutAJump()
    {
        var timeline = new MediaTimeline();
        timeline.Start(AudioVideo, [-1, -1], 0);
        var start = uint.MaxValue - 3600 * 2 + 1;
        var times = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            times.Add(timeline.TimeUs(0, unchecked(start + (uint)(3600 * i)), 0));
        }
        Assert.That(times, Is.EqualTo(new long[] { 0, 40_000, 80_000, 120_000, 160_000, 200_000 }));
    }

    [Test]
    public void RtpInfoPutsAudioAndVideoOnOneZero()
    {
        var timeline = new MediaTimeline();
        timeline.Start(AudioVideo, [1_000_000, 5_000], 0);
        Assert.That(timeline.TimeUs(0, 1_000_000 + 9000, 0), Is.EqualTo(100_000));
        Assert.That(timeline.TimeUs(1, 5_000 + 4410, 0), Is.EqualTo(100_000));
    }

    [Test]
    public void ANewSessionGoesOnFromTheLastFramePlusTheTimeBetween()
    {
        var timeline = new MediaTimeline();
        timeline.Start(AudioVideo, [-1, -1], 0);
        timeline.TimeUs(0, 500, 1000);
        Assert.That(timeline.TimeUs(0, 500 + 90000 * 10, 11_000), Is.EqualTo(10_000_000));
        // The camera was away 3 s and came back with new timestamps.
        timeline.Start(AudioVideo, [-1, -1], 14_000);
        Assert.That(timeline.TimeUs(0, 77, 14_000), Is.EqualTo(13_000_000));
        Assert.That(timeline.TimeUs(0, 77 + 3600, 14_040), Is.EqualTo(13_040_000));
    }
}
