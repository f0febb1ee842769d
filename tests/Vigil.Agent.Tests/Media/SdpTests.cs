using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class SdpTests
{
    // What the GStreamer camera of these tests answers to DESCRIBE.
    private const string Gstreamer = """
        v=0
        o=- 17866914267161071266 1 IN IP4 127.0.0.1
        s=Session streamed with GStreamer
        t=0 0
        a=control:*
        m=video 0 RTP/AVP 96
        c=IN IP4 0.0.0.0
        a=rtpmap:96 H264/90000
        a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==;profile-level-id=42c01e
        a=control:stream=0
        m=audio 0 RTP/AVP 97
        c=IN IP4 0.0.0.0
        a=rtpmap:97 MPEG4-GENERIC/44100/2
        a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=121056e500;sizelength=13;indexlength=3;indexdeltalength=3
        a=control:stream=1
        """;

    [Test]
    public void H264AndAacAsGstreamerDescribesThem()
    {
        var sdp = Sdp.Parse(Gstreamer);
        Assert.That(sdp.Control, Is.EqualTo("*"));
        Assert.That(sdp.Tracks, Has.Count.EqualTo(2));
        var video = sdp.Tracks[0];
        Assert.That((video.Codec, video.ClockRate, video.PayloadType, video.Control, video.PacketizationMode), Is.EqualTo((MediaCodec.H264, 90000, 96, "stream=0", 1)));
        Assert.That(video.ParameterSets, Has.Length.EqualTo(2));
        Assert.That(video.ParameterSets[0][0] & 0x1F, Is.EqualTo(7), "SPS first");
        Assert.That(video.ParameterSets[1], Is.EqualTo(new byte[] { 0x68, 0xCE, 0x3C, 0x80 }));
        var audio = sdp.Tracks[1];
        Assert.That((audio.Codec, audio.ClockRate, audio.Channels, audio.SizeLength, audio.IndexLength, audio.IndexDeltaLength), Is.EqualTo((MediaCodec.Aac, 44100, 2, 13, 3, 3)));
        Assert.That(audio.AudioConfig, Is.EqualTo(new byte[] { 0x12, 0x10, 0x56, 0xE5, 0x00 }));
    }

    [Test]
    public void H265ParameterSetsInOrder()
    {
        var sdp = Sdp.Parse("m=video 0 RTP/AVP 98\r\na=rtpmap:98 H265/90000\r\na=fmtp:98 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAQEAAAAMAQAAABkI=;sprop-pps=RAHBcrRiQA==\r\n");
        var t = sdp.Tracks.Single();
        Assert.That(t.Codec, Is.EqualTo(MediaCodec.H265));
        Assert.That(t.ParameterSets.Select(p => p[0] >> 1 & 0x3F), Is.EqualTo(new[] { 32, 33, 34 }));
    }

    [Test]
    public void StaticPayloadTypesNeedNoRtpmap()
    {
        var sdp = Sdp.Parse("m=audio 0 RTP/AVP 0\r\na=control:trackID=2\r\nm=audio 0 RTP/AVP 8\r\n");
        Assert.That(sdp.Tracks.Select(t => (t.Codec, t.ClockRate)), Is.EqualTo(new[] { (MediaCodec.Pcmu, 8000), (MediaCodec.Pcma, 8000) }));
    }

    [Test]
    public void AnSdpWithoutParameterSetsStillDescribesTheTrack()
    {
        var sdp = Sdp.Parse("m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n");
        Assert.That(sdp.Tracks[0].Codec, Is.EqualTo(MediaCodec.H264));
        Assert.That(sdp.Tracks[0].ParameterSets, Is.Empty);
    }

    [TestCase("m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 sprop-parameter-sets=!!!notbase64,aM48gA==", 1)]
    [TestCase("m=audio 0 RTP/AVP 97\na=rtpmap:97 MPEG4-GENERIC/44100/2\na=fmtp:97 mode=AAC-hbr;config=zz", -1)]
    [TestCase("m=audio 0 RTP/AVP 97\na=rtpmap:97 MPEG4-GENERIC/44100/2\na=fmtp:97 sizelength=99;config=1210", -1)]
    [TestCase("m=video 0 RTP/AVP 96\na=rtpmap:96 H264/0\n", -1)]
    [TestCase("m=video 0 RTP/AVP 96\na=rtpmap:96 VP8/90000\n", -1)]
    [TestCase("m=video\na=rtpmap:\na=fmtp:\nx\n=\n", -1)]
    public void WhatCannotBeReadIsLeftOutNotFatal(string text, int parameterSets)
    {
        var sdp = Sdp.Parse(text);
        var t = sdp.Tracks.Single();
        if (parameterSets < 0)
        {
            Assert.That(t.Codec, Is.EqualTo(MediaCodec.Unknown));
        }
        else
        {
            Assert.That(t.ParameterSets, Has.Length.EqualTo(parameterSets));
        }
    }

    [Test]
    public void TracksAreCapped()
    {
        var text = string.Concat(Enumerable.Repeat("m=audio 0 RTP/AVP 0\n", 100));
        Assert.That(Sdp.Parse(text).Tracks, Has.Count.EqualTo(Sdp.MaxTracks));
    }
}
