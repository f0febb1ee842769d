using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class RtpPacketTests
{
    [Test]
    public void CsrcsExtensionAndPaddingAreSkipped()
    {
        byte[] p =
        [
            0xB1, 0xE0, 0x12, 0x34, 0, 0, 0x03, 0xE8, 0, 0, 0, 1, // V=2 P X CC=1, M PT=96, seq, ts, ssrc
            0, 0, 0, 2, // CSRC
            0xBE, 0xDE, 0, 1, 9, 9, 9, 9, // extension of one word
            0x65, 0xAA, // payload
            0, 0, 3, // padding, its count last
        ];
        Assert.That(RtpPacket.TryParse(p, out var packet), Is.True);
        Assert.That((packet.Sequence, packet.Timestamp, packet.Marker, packet.PayloadType), Is.EqualTo(((ushort)0x1234, 1000u, true, 96)));
        Assert.That(packet.Payload.ToArray(), Is.EqualTo(new byte[] { 0x65, 0xAA }));
    }

    [TestCase(new byte[] { 0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0 }, TestName = "shorter than a header")]
    [TestCase(new byte[] { 0x40, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, TestName = "version 1")]
    [TestCase(new byte[] { 0x8F, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, TestName = "15 CSRCs that are not there")]
    [TestCase(new byte[] { 0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0xFF, 0xFF }, TestName = "an extension longer than the packet")]
    [TestCase(new byte[] { 0xA0, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 200 }, TestName = "padding longer than the packet")]
    public void BrokenPacketsAreRefused(byte[] bytes) => Assert.That(RtpPacket.TryParse(bytes, out _), Is.False);
}
