using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class AacDepacketizerTests
{
    private static readonly SdpTrack Hbr = new() { Codec = MediaCodec.Aac, ClockRate = 44100, SizeLength = 13, IndexLength = 3, IndexDeltaLength = 3, AudioConfig = [0x12, 0x10] };

    /// <summary>AU headers (13-bit size, 3-bit index) for the given access units, then the units.</summary>
    private static byte[] Payload(params byte[][] units)
    {
        var list = new List<byte> { 0, (byte)(16 * units.Length) };
        foreach (var u in units)
        {
            list.Add((byte)(u.Length >> 5));
            list.Add((byte)(u.Length << 3));
        }
        foreach (var u in units)
        {
            list.AddRange(u);
        }
        return [.. list];
    }

    [Test]
    public void EachAccessUnitIsAFrameAtItsOwnTime()
    {
        var frames = new TestFrames();
        var d = new AacDepacketizer(Hbr, 1, frames);
        TestFrames.Push(d, 1, 1000, true, Payload([1, 2, 3], [4, 5], [6]));
        Assert.That(frames.Frames.Select(f => (f.Track, f.Timestamp, f.Data.Length)), Is.EqualTo(new[] { (1, 1000u, 3), (1, 2024u, 2), (1, 3048u, 1) }));
        Assert.That(frames.Frames[1].Data, Is.EqualTo(new byte[] { 4, 5 }));
    }

    [TestCase(new byte[] { 0 }, TestName = "no AU headers length")]
    [TestCase(new byte[] { 0, 16, 0 }, TestName = "AU headers cut")]
    [TestCase(new byte[] { 0, 16, 0xFF, 0xF8, 1, 2 }, TestName = "an AU larger than the packet")]
    [TestCase(new byte[] { 0xFF, 0xFF, 1, 2 }, TestName = "AU headers longer than the packet")]
    public void BrokenPacketsAreDroppedWithoutThrowing(byte[] payload)
    {
        var frames = new TestFrames();
        var d = new AacDepacketizer(Hbr, 0, frames);
        TestFrames.Push(d, 1, 0, true, payload);
        Assert.That(frames.Frames, Is.Empty);
        Assert.That(frames.Drops, Is.EqualTo(1));
    }
}
