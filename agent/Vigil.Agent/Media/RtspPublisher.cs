using System.Buffers.Binary;
using System.Text;

namespace Vigil.Agent.Media;

/// <summary>
/// Publishes to an RTSP ingest with ANNOUNCE and RECORD over TCP interleaved (RFC 2326 sections
/// 10.3 and 10.11), what Flussonic, MediaMTX, Wowza and ffmpeg's listen mode take: an SDP built
/// from the camera's tracks, one SETUP per track, then every frame packetized again into RTP
/// (RFC 6184, RFC 7798, RFC 3640, RFC 3551) with the marker bit on each frame's last packet, and
/// an RTCP sender report per track every few seconds for lip sync.
/// </summary>
internal sealed class RtspPublisher(MediaUrl target) : Publisher
{
    /// <summary>RTP payload per packet: within a 1500-byte MTU, as the streamer may relay it over UDP.</summary>
    private const int MaxPayload = 1400;
    private const int ReportIntervalMs = 5000;

    private readonly byte[] _out = new byte[64 * 1024];
    private int _outLength;
    private RtspConnection? _connection;
    private Track[] _tracks = [];
    private long _baseUs = -1;

    /// <summary>The wall clock of time zero of the stream, as NTP ticks (1/2^32 s), for the sender reports.</summary>
    private ulong _ntpBase;

    public override void Open(MediaFrame first, CancellationToken ct)
    {
        var stream = first.Stream;
        var connection = _connection = RtspConnection.Open(target, ct);
        connection.SetSendTimeout(SendTimeoutMs);
        var url = target.Plain;
        var sdp = Describe(stream, first);
        var announce = connection.Request("ANNOUNCE", url, null, "application/sdp", Encoding.UTF8.GetBytes(sdp));
        Expect(announce, "ANNOUNCE");
        _tracks = new Track[stream.Tracks.Length];
        for (var i = 0; i < _tracks.Length; i++)
        {
            var setup = connection.Request("SETUP", $"{url.TrimEnd('/')}/streamid={i}", $"Transport: RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1};mode=record\r\n");
            Expect(setup, "SETUP");
            if (setup.Header("Session") is { } session)
            {
                var semi = session.IndexOf(';');
                connection.Session = semi < 0 ? session : session[..semi];
            }
            _tracks[i] = new Track(stream.Tracks[i], 2 * i);
        }
        Expect(connection.Request("RECORD", url, "Range: npt=0.000-\r\n"), "RECORD");
    }

    /// <summary>
    /// The SDP of the ANNOUNCE: one m= section per track, with its format parameters; the parameter
    /// sets of the first keyframe where the camera's SDP had none.
    /// </summary>
    internal static string Describe(StreamInfo stream, MediaFrame? first)
    {
        var sdp = new StringBuilder("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=vigil-agent\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n");
        for (var i = 0; i < stream.Tracks.Length; i++)
        {
            var t = stream.Tracks[i];
            var sets = t.ParameterSets;
            if (t.IsVideo && first is not null && first.Track == i && first.Key)
            {
                sets = ParameterSets(first.Span, t.Codec == MediaCodec.H265) ?? sets;
            }
            var pt = t.Codec switch { MediaCodec.Pcmu => 0, MediaCodec.Pcma => 8, _ => 96 + i };
            sdp.Append("m=").Append(t.IsVideo ? "video" : "audio").Append(" 0 RTP/AVP ").Append(pt).Append("\r\n");
            switch (t.Codec)
            {
                case MediaCodec.H264:
                    sdp.Append("a=rtpmap:").Append(pt).Append(" H264/90000\r\na=fmtp:").Append(pt).Append(" packetization-mode=1");
                    if (sets.Length >= 2)
                    {
                        sdp.Append(";sprop-parameter-sets=").Append(Convert.ToBase64String(sets[0])).Append(',').Append(Convert.ToBase64String(sets[1]));
                    }
                    sdp.Append("\r\n");
                    break;
                case MediaCodec.H265:
                    sdp.Append("a=rtpmap:").Append(pt).Append(" H265/90000\r\n");
                    if (sets.Length >= 3)
                    {
                        sdp.Append("a=fmtp:").Append(pt)
                            .Append(" sprop-vps=").Append(Convert.ToBase64String(sets[0]))
                            .Append(";sprop-sps=").Append(Convert.ToBase64String(sets[1]))
                            .Append(";sprop-pps=").Append(Convert.ToBase64String(sets[2])).Append("\r\n");
                    }
                    break;
                case MediaCodec.Aac:
                    sdp.Append("a=rtpmap:").Append(pt).Append(" MPEG4-GENERIC/").Append(t.ClockRate).Append('/').Append(t.Channels)
                        .Append("\r\na=fmtp:").Append(pt).Append(" streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=")
                        .Append(Convert.ToHexString(t.AudioConfig ?? [])).Append("\r\n");
                    break;
                default:
                    sdp.Append("a=rtpmap:").Append(pt).Append(t.Codec == MediaCodec.Pcmu ? " PCMU/" : " PCMA/").Append(t.ClockRate).Append("\r\n");
                    break;
            }
            sdp.Append("a=control:streamid=").Append(i).Append("\r\n");
        }
        return sdp.ToString();
    }

    public override void Write(MediaFrame frame)
    {
        var track = _tracks[frame.Track];
        if (_baseUs < 0)
        {
            _baseUs = frame.TimeUs;
            var sinceNtpEpoch = DateTime.UtcNow - new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            _ntpBase = (ulong)(sinceNtpEpoch.Ticks / TimeSpan.TicksPerSecond) << 32 | (ulong)((sinceNtpEpoch.Ticks % TimeSpan.TicksPerSecond << 32) / TimeSpan.TicksPerSecond);
        }
        var us = frame.TimeUs - _baseUs;
        var timestamp = track.Timestamp(us);
        if (Environment.TickCount64 - track.LastReport >= ReportIntervalMs)
        {
            // Before the track's first packet too: a receiver that maps RTP time to the wall clock
            // (ffmpeg does) then has the mapping from the start.
            SenderReport(track, timestamp, us);
        }
        var format = frame.Format;
        if (format.IsVideo)
        {
            var hevc = format.Codec == MediaCodec.H265;
            var data = frame.Span;
            while (data.Length >= 4)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(data);
                var nal = data.Slice(4, length);
                data = data[(4 + length)..];
                VideoNal(track, nal, hevc, timestamp, last: data.Length < 4);
            }
        }
        else if (format.Codec == MediaCodec.Aac)
        {
            // One access unit per packet behind one AU header: 13-bit size, 3-bit index 0 (RFC 3640 section 3.3.6).
            var p = Packet(track, timestamp, true, 4 + frame.Length);
            p[0] = 0;
            p[1] = 16;
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)(frame.Length << 3));
            frame.Span.CopyTo(p[4..]);
        }
        else
        {
            frame.Span.CopyTo(Packet(track, timestamp, true, frame.Length));
        }
        track.Packets++;
        track.Octets += (uint)frame.Length;
        Flush();
    }

    /// <summary>One NAL unit: a packet of its own, or fragmentation units (FU-A / H.265 FU) when too long.</summary>
    private void VideoNal(Track track, ReadOnlySpan<byte> nal, bool hevc, uint timestamp, bool last)
    {
        if (nal.Length <= MaxPayload)
        {
            nal.CopyTo(Packet(track, timestamp, last, nal.Length));
            return;
        }
        var headerLength = hevc ? 2 : 1;
        var type = Publisher.NalType(nal, hevc);
        var body = nal[headerLength..];
        var first = true;
        while (body.Length > 0)
        {
            var n = Math.Min(body.Length, MaxPayload - 3);
            var end = n == body.Length;
            var p = Packet(track, timestamp, last && end, (hevc ? 3 : 2) + n);
            var fuHeader = (byte)((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
            if (hevc)
            {
                p[0] = (byte)(nal[0] & 0x81 | 49 << 1);
                p[1] = nal[1];
                p[2] = fuHeader;
            }
            else
            {
                p[0] = (byte)(nal[0] & 0xE0 | 28);
                p[1] = fuHeader;
            }
            body[..n].CopyTo(p[(hevc ? 3 : 2)..]);
            body = body[n..];
            first = false;
        }
    }

    /// <summary>Room for one interleaved RTP packet; returns its payload to fill.</summary>
    private Span<byte> Packet(Track track, uint timestamp, bool marker, int payloadLength)
    {
        var total = 4 + 12 + payloadLength;
        if (total > _out.Length)
        {
            throw new MediaException($"a {payloadLength}-byte audio frame does not fit one RTP packet");
        }
        if (_outLength + total > _out.Length)
        {
            Flush();
        }
        var s = _out.AsSpan(_outLength, total);
        s[0] = (byte)'$';
        s[1] = (byte)track.Channel;
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], (ushort)(12 + payloadLength));
        s[4] = 0x80;
        s[5] = (byte)((marker ? 0x80 : 0) | track.PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(s[6..], track.Sequence++);
        BinaryPrimitives.WriteUInt32BigEndian(s[8..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(s[12..], track.Ssrc);
        _outLength += total;
        return s[16..];
    }

    /// <summary>
    /// RTCP sender report (RFC 3550 section 6.4.1) on the track's RTCP channel: the wall-clock time
    /// of a frame (time zero's wall clock plus its time) against its RTP timestamp, the same mapping
    /// for every track, which is what lines audio and video up at the receiver.
    /// </summary>
    private void SenderReport(Track track, uint timestamp, long us)
    {
        if (_outLength + 32 > _out.Length)
        {
            Flush();
        }
        var s = _out.AsSpan(_outLength, 32);
        s[0] = (byte)'$';
        s[1] = (byte)(track.Channel + 1);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], 28);
        s[4] = 0x80;
        s[5] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(s[6..], 6);
        BinaryPrimitives.WriteUInt32BigEndian(s[8..], track.Ssrc);
        // NTP time: seconds since 1900 and a binary fraction.
        var ntp = _ntpBase + (ulong)((us / 1_000_000 << 32) + (us % 1_000_000 << 32) / 1_000_000);
        BinaryPrimitives.WriteUInt64BigEndian(s[12..], ntp);
        BinaryPrimitives.WriteUInt32BigEndian(s[20..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(s[24..], track.Packets);
        BinaryPrimitives.WriteUInt32BigEndian(s[28..], track.Octets);
        _outLength += 32;
        track.LastReport = Environment.TickCount64;
    }

    private void Flush()
    {
        if (_outLength > 0)
        {
            _connection!.SendRaw(_out.AsSpan(0, _outLength));
            _outLength = 0;
        }
    }

    public override void Service()
    {
        var connection = _connection!;
        while (connection.Readable(0))
        {
            // Receiver reports and answers: read so that the streamer's sends never block, then forget.
            RtspItem item;
            RtspMessage? message;
            try
            {
                item = connection.Next(50, out _, out _, out message);
            }
            catch (TimeoutException)
            {
                return;
            }
            if (item == RtspItem.Message && message!.StatusCode == 0)
            {
                connection.AnswerRequest(message);
            }
        }
    }

    public override void Close()
    {
        try
        {
            _connection?.Send("TEARDOWN", target.Plain);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The streamer is gone already: nothing to end.
        }
    }

    public override void Dispose() => _connection?.Dispose();

    private static void Expect(RtspMessage response, string method)
    {
        if (response.StatusCode != 200)
        {
            throw new MediaException($"the streamer answered {method} with {response.StatusCode} {response.Reason}");
        }
    }

    /// <summary>One outgoing track: its channel, RTP numbering and the counts its sender reports give.</summary>
    private sealed class Track(SdpTrack format, int channel)
    {
        public int Channel { get; } = channel;
        public int PayloadType { get; } = format.Codec switch { MediaCodec.Pcmu => 0, MediaCodec.Pcma => 8, _ => 96 + channel / 2 };
        public uint Ssrc { get; } = (uint)Random.Shared.Next();
        public ushort Sequence { get; set; } = (ushort)Random.Shared.Next();

        /// <summary>A random first timestamp (RFC 3550 section 5.1); receivers also take 0 to mean "none yet".</summary>
        private readonly uint _offset = (uint)Random.Shared.Next(1, int.MaxValue);
        public uint Packets { get; set; }
        public uint Octets { get; set; }
        public long LastReport { get; set; }
        private readonly int _clock = format.ClockRate;

        /// <summary>Microseconds since the stream began, in this track's RTP clock.</summary>
        public uint Timestamp(long us) => _offset + (uint)(Math.Max(0, us) * _clock / 1_000_000);
    }
}
