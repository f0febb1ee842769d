using Vigil.Live.Priming;
using Vigil.Stack;

namespace Vigil.Live.Tests.Priming;

/// <summary>
/// Which fragment a feed is primed from, and the RTP it is primed with: RFC 6184 packets that a real
/// receiver (ffmpeg's RTP demuxer and H.264 decoder) turns back into the picture.
/// </summary>
[TestFixture]
public sealed class FeedPrimerTests : PrimingMediaFixture
{
    [Test]
    public async Task TheNewestFragmentWithAWholeKeyframeIsTakenAndStaleOnesAreNot()
    {
        var hls = Path.Combine(Media.Dir, "hls");
        var camera = Directory.CreateDirectory(Path.Combine(hls, "cam-1")).FullName;
        var now = DateTime.UtcNow;
        Assert.That(FeedPrimer.Find(hls, "cam-2", now).From, Is.EqualTo("no HLS of the camera"));

        var keyframes = Media.Keyframes();
        // 7.ts is whole; 8.ts has just begun: a part of its keyframe only.
        await File.WriteAllBytesAsync(Path.Combine(camera, "7.ts"), Media.Ts);
        await File.WriteAllBytesAsync(Path.Combine(camera, "8.ts"), Media.Ts.AsSpan(0, (int)Media.Packets[keyframes[0]].Pos + 2 * 188).ToArray());
        File.SetLastWriteTimeUtc(Path.Combine(camera, "7.ts"), now.AddSeconds(-1));
        File.SetLastWriteTimeUtc(Path.Combine(camera, "8.ts"), now);
        var (key, from) = FeedPrimer.Find(hls, "cam-1", now);
        Assert.That(from, Is.EqualTo("7.ts"));
        Assert.That(key!.Pts, Is.EqualTo(Media.Packets[keyframes[^1]].Pts));

        // A camera that stopped publishing a while ago: its last picture is no start for live.
        File.SetLastWriteTimeUtc(Path.Combine(camera, "7.ts"), now.AddSeconds(-30));
        File.SetLastWriteTimeUtc(Path.Combine(camera, "8.ts"), now.AddSeconds(-30));
        Assert.That(FeedPrimer.Find(hls, "cam-1", now), Is.EqualTo(((TsKeyframe?)null, "no fragment written in the last 10 s")));
    }

    [Test]
    public void TheKeyframeIsCutIntoFuAPacketsOfAtMost1200Bytes()
    {
        var key = TsKeyframe.Last(Media.Ts)!;
        var packets = new H264RtpPacketizer(96, 0x1234, 65530).Packetize(key.AccessUnit, 1000);
        var units = AnnexB.Units(key.AccessUnit);
        Assert.That(packets, Has.Count.GreaterThan(units.Count), "the IDR slice is larger than a packet: FU-A");
        Assert.That(packets.Max(p => p.Length), Is.LessThanOrEqualTo(1200));
        Assert.That(packets.Select(p => (p[1] & 0x80) != 0), Is.EqualTo(packets.Select((_, i) => i == packets.Count - 1)), "the marker on the last packet only");
        Assert.That(packets.Select(p => (ushort)((p[2] << 8) | p[3])).Take(8), Is.EqualTo(new ushort[] { 65530, 65531, 65532, 65533, 65534, 65535, 0, 1 }), "sequence numbers wrap");
        // Joined back, the fragments are the NAL units.
        var joined = new List<byte>();
        foreach (var p in packets)
        {
            var payload = p.AsSpan(12);
            if ((payload[0] & 0x1F) == 28)
            {
                if ((payload[1] & 0x80) != 0)
                {
                    joined.AddRange([0, 0, 1, (byte)((payload[0] & 0xE0) | (payload[1] & 0x1F))]);
                }
                joined.AddRange(payload[2..].ToArray());
            }
            else
            {
                joined.AddRange([0, 0, 1, .. payload.ToArray()]);
            }
        }
        Assert.That(AnnexB.Units(joined.ToArray()).Select(u => u.ToArray()), Is.EqualTo(units.Select(u => u.ToArray())));
    }

    [Test]
    public async Task FfmpegReceivingThePacketsOverRtpDecodesThePicture()
    {
        var key = TsKeyframe.Last(Media.Ts)!;
        var port = FreeRtpPort();
        var sdp = Path.Combine(Media.Dir, "primer.sdp");
        await File.WriteAllTextAsync(sdp, $"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=primer\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
            $"m=video {port} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n");
        var picture = Path.Combine(Media.Dir, "primed.png");
        var receiver = ProgramRun.RunFileAsync("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error",
            "-protocol_whitelist", "file,udp,rtp", "-probesize", "32", "-analyzeduration", "0", "-i", sdp, "-frames:v", "1", "-y", picture],
            timeout: TimeSpan.FromSeconds(30));
        Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(
            File.ReadAllText("/proc/net/udp").Contains($":{port:X4} ", StringComparison.Ordinal))), Is.Not.Null, "ffmpeg listens for the RTP");
        // The keyframe, one frame time apart, as one stream (one SSRC, sequence numbers running on)
        // until ffmpeg has its picture: its probing reads a little more than one frame.
        var packetizer = new H264RtpPacketizer(96, 0x5eed, 1000);
        using var udp = new System.Net.Sockets.UdpClient();
        udp.Connect(System.Net.IPAddress.Loopback, port);
        for (uint frame = 0; frame < 50 && !receiver.IsCompleted; frame++)
        {
            foreach (var packet in packetizer.Packetize(key.AccessUnit, 90_000 + frame * 3600))
            {
                await udp.SendAsync(packet);
            }
            await Task.WhenAny(receiver, Task.Delay(100));
        }
        var (code, _, error) = await receiver;
        Assert.That(code, Is.Zero, error);
        var probe = await ProgramRun.RunFileAsync("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", picture]);
        Assert.That(probe.Stdout.Trim(), Is.EqualTo("320,240"), "the keyframe's picture, decoded from the RTP: " + error);
    }

    /// <summary>An even UDP port whose next (RTCP's, which ffmpeg also takes) is free too.</summary>
    private static int FreeRtpPort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = 2 * Random.Shared.Next(15000, 30000);
            try
            {
                using var rtp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                using var rtcp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
                rtp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
                rtcp.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port + 1));
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // taken: another
            }
        }
        throw new InvalidOperationException("no free pair of UDP ports");
    }
}
