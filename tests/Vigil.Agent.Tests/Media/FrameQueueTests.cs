using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class FrameQueueTests
{
    private static readonly StreamInfo AudioVideo = new([
        new SdpTrack { Codec = MediaCodec.H264, ClockRate = 90000 },
        new SdpTrack { Codec = MediaCodec.Aac, ClockRate = 48000 },
    ]);

    private static MediaFrame Video(bool key, int bytes = 1000) => new(AudioVideo, 0, 0, key, bytes);
    private static MediaFrame Audio() => new(AudioVideo, 1, 0, true, 100);

    [Test]
    public void ASlowStreamerMakesTheQueueDropUpToTheNextKeyframe()
    {
        var queue = new FrameQueue(maxBytes: 3000, maxFrames: 100);
        queue.Accept(true);
        queue.Add(Video(true));
        queue.Add(Video(false));
        queue.Add(Video(false)); // 3000 bytes: full
        queue.Add(Video(false)); // over: dropped, and so is everything up to a keyframe
        queue.Add(Audio());
        Assert.That(queue.Take(0)!.IsVideoKey, Is.True);
        Assert.That(queue.Take(0)!.Key, Is.False);
        queue.Add(Video(false));
        Assert.That(queue.Count, Is.EqualTo(1), "still skipping: room again is not a keyframe");
        queue.Add(Video(true));
        queue.Add(Video(false));
        Assert.That(queue.Count, Is.EqualTo(3));
        Assert.That(queue.Drops, Is.EqualTo(3));
    }

    [Test]
    public void AClosedQueueHoldsNothing()
    {
        var queue = new FrameQueue(1 << 20, 100);
        queue.Add(Video(true));
        Assert.That(queue.Count, Is.Zero);
        queue.Accept(true);
        queue.Add(Video(true));
        queue.Add(Video(false));
        queue.Accept(false);
        Assert.That(queue.Count, Is.Zero);
        Assert.That(queue.Drops, Is.EqualTo(3));
        Assert.That(queue.Take(10), Is.Null);
    }

    [Test]
    public void TheCountIsCappedAsWellAsTheBytes()
    {
        var queue = new FrameQueue(1 << 20, 2);
        queue.Accept(true);
        for (var i = 0; i < 5; i++)
        {
            queue.Add(Audio());
        }
        Assert.That(queue.Count, Is.EqualTo(2));
    }
}
