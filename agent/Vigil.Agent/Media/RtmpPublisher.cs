using System.Buffers.Binary;

namespace Vigil.Agent.Media;

/// <summary>
/// Publishes H.264 and AAC to an RTMP ingest (nginx-rtmp, Flussonic, Wowza, MediaMTX) as FLV tags
/// (Adobe RTMP specification and FLV file format, version 10): the plain handshake, connect,
/// releaseStream/FCPublish, createStream, publish, then the AVC sequence header from the keyframe's
/// SPS and PPS, the AAC sequence header from the SDP's AudioSpecificConfig, and the frames: video
/// at decoding times derived from the stream (<see cref="DecodeTimeline"/>) with the presentation
/// time as the composition offset, so that B-frames keep their order and their times. H.265 and G.711 are not carried by classic FLV: those tracks are left out with a log line.
/// </summary>
internal sealed class RtmpPublisher(MediaUrl target) : Publisher
{
    private const int HandshakeSize = 1536;
    private const int OutChunkSize = 4096;
    private const int ControlChunkStream = 2;
    private const int CommandChunkStream = 3;
    private const int AudioChunkStream = 4;
    private const int VideoChunkStream = 6;

    /// <summary>Room before the first presentation time for the decoding times of the frames before it.</summary>
    private const long LeadMs = DecodeTimeline.MaxDepth;

    private readonly RtmpChunkReader _reader = new();
    private readonly byte[] _input = new byte[RtmpChunkReader.MaxMessageBytes + 4096];
    private int _inputLength;
    private TcpConnection? _tcp;
    private RtmpChunkWriter? _writer;
    private uint _streamId;
    private int _videoTrack = -1;
    private int _audioTrack = -1;
    private byte[]? _sentSps;
    private byte[]? _sentPps;
    private bool _audioHeaderSent;
    private long _baseUs = -1;
    private readonly DecodeTimeline _decodeTimes = new();
    private uint _lastAudioMs;
    private long _received;
    private long _acknowledged;
    private long _ackWindow = 2_500_000;

    // What the streamer answered, for the command being waited on.
    private double _awaitedTransaction;
    private bool _answered;
    private bool _answerOk;
    private double _answerNumber;
    private string? _statusCode;
    private string? _answerText;

    public override void Open(MediaFrame first, CancellationToken ct)
    {
        var stream = first.Stream;
        for (var i = 0; i < stream.Tracks.Length; i++)
        {
            var t = stream.Tracks[i];
            if (t.Codec == MediaCodec.H264 && _videoTrack < 0)
            {
                _videoTrack = i;
            }
            else if (t.Codec == MediaCodec.Aac && _audioTrack < 0)
            {
                _audioTrack = i;
            }
            else
            {
                Log.Warn($"streamer: {t.EncodingName} does not go into RTMP (FLV carries H.264 and AAC): that track is left out");
            }
        }
        if (_videoTrack < 0 && stream.HasVideo)
        {
            // Sound alone is no camera stream: refused, before the streamer is even dialled.
            var video = "";
            foreach (var t in stream.Tracks)
            {
                video = t.IsVideo && video.Length == 0 ? t.EncodingName : video;
            }
            throw new CodecNotCarriedException(video, $"the camera sends {video} video, which RTMP to this streamer cannot carry (FLV carries H.264): assign a streamer that takes {video} (RTSP ingest)");
        }
        if (_videoTrack < 0 && _audioTrack < 0)
        {
            throw new MediaException("nothing to publish over RTMP: no H.264 or AAC track");
        }
        // rtmp://host[:port]/app/name[?query]: the first path segment is the application.
        var path = target.Path.TrimStart('/');
        var slash = path.IndexOf('/');
        var query = path.IndexOf('?');
        if (slash <= 0 || (query >= 0 && query < slash) || slash == path.Length - 1)
        {
            throw new MediaException($"an RTMP target is rtmp://host/app/stream, not {target.Masked}");
        }
        var app = path[..slash];
        var name = path[(slash + 1)..];
        var tcp = _tcp = TcpConnection.ConnectAny(HostResolver.Resolve(target.Host), target.Port, RtspConnection.ConnectTimeoutMs, ct);
        tcp.SetSendTimeout(SendTimeoutMs);
        _writer = new RtmpChunkWriter((buffer, length) => tcp.Send(buffer.AsSpan(0, length)));
        Handshake(tcp);

        var chunkSize = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(chunkSize, OutChunkSize);
        _writer.Message(ControlChunkStream, 1, 0, 0, chunkSize, default);
        _writer.ChunkSize = OutChunkSize;

        var connect = new Amf0Writer().String("connect").Number(1).BeginObject()
            .Key("app").String(app)
            .Key("type").String("nonprivate")
            .Key("flashVer").String("FMLE/3.0 (compatible; vigil-agent)")
            .Key("tcUrl").String($"rtmp://{target.Host}:{target.Port}/{app}")
            .EndObject();
        Command(connect);
        Await(1, "connect");
        // releaseStream and FCPublish: some ingests (Wowza, many CDNs) want them; the rest ignore them.
        Command(new Amf0Writer().String("releaseStream").Number(2).Null().String(name));
        Command(new Amf0Writer().String("FCPublish").Number(3).Null().String(name));
        Command(new Amf0Writer().String("createStream").Number(4).Null());
        Await(4, "createStream");
        _streamId = (uint)_answerNumber;
        Command(new Amf0Writer().String("publish").Number(5).Null().String(name).String("live"), _streamId);
        Await(-1, "publish");
    }

    public override void Write(MediaFrame frame)
    {
        var writer = _writer!;
        if (_baseUs < 0)
        {
            _baseUs = frame.TimeUs;
        }
        // The stream starts a little after zero: the first frames' decoding times come before
        // their presentation times (see DecodeTimeline), and FLV times are unsigned.
        var ms = (frame.TimeUs - _baseUs) / 1000 + LeadMs;
        if (frame.Track == _videoTrack)
        {
            var sps = FindNal(frame.Span, hevc: false, 7);
            var pps = FindNal(frame.Span, hevc: false, 8);
            if (frame.Key && (sps.Length < 4 || pps.IsEmpty) || !frame.Key && _sentSps is null)
            {
                return;
            }
            if (frame.Key && !(sps.SequenceEqual(_sentSps) && pps.SequenceEqual(_sentPps)))
            {
                _decodeTimes.AtLeast(ReorderDepth.FromSps(sps, hevc: false));
            }
            // The tag's time is the decoding time; the presentation time goes as the composition
            // time offset after it, which is what B-frames need (FLV section E.4.3.1).
            var dts = Math.Max(0, _decodeTimes.Next(Math.Max(0, ms)));
            if (frame.Key)
            {
                SendSequenceHeader(sps, pps, (uint)dts);
            }
            var cts = Math.Clamp(Math.Max(0, ms) - dts, -0x800000, 0x7FFFFF);
            ReadOnlySpan<byte> head = [(byte)(frame.Key ? 0x17 : 0x27), 1, (byte)(cts >> 16), (byte)(cts >> 8), (byte)cts];
            writer.Message(VideoChunkStream, 9, _streamId, (uint)dts, head, frame.Span);
        }
        else if (frame.Track == _audioTrack)
        {
            if (ms < 0)
            {
                // Sound from before the first picture (the camera's encoder delays video more
                // than audio): it has no place on a timeline that starts with that picture.
                return;
            }
            // FLV timestamps only go forward within a track.
            var audioMs = _audioHeaderSent && ms <= _lastAudioMs ? _lastAudioMs + 1 : (uint)ms;
            _lastAudioMs = audioMs;
            if (!_audioHeaderSent)
            {
                // SoundFormat 10 (AAC), 44 kHz, 16-bit, stereo: what FLV always says for AAC; the
                // AudioSpecificConfig says the rest.
                writer.Message(AudioChunkStream, 8, _streamId, audioMs, [0xAF, 0], frame.Format.AudioConfig);
                _audioHeaderSent = true;
            }
            writer.Message(AudioChunkStream, 8, _streamId, audioMs, [0xAF, 1], frame.Span);
        }
        else
        {
            return;
        }
        writer.Flush();
    }

    /// <summary>
    /// Sends the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 section 5.2.4.1) when the keyframe's
    /// SPS or PPS differ from what the streamer has.
    /// </summary>
    private void SendSequenceHeader(ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps, uint ms)
    {
        if (sps.SequenceEqual(_sentSps) && pps.SequenceEqual(_sentPps))
        {
            return;
        }
        var record = new byte[11 + sps.Length + pps.Length];
        record[0] = 1;
        record[1] = sps[1]; // profile
        record[2] = sps[2]; // constraint flags
        record[3] = sps[3]; // level
        record[4] = 0xFF; // 4-byte NAL lengths
        record[5] = 0xE1; // one SPS
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(6), (ushort)sps.Length);
        sps.CopyTo(record.AsSpan(8));
        record[8 + sps.Length] = 1; // one PPS
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(9 + sps.Length), (ushort)pps.Length);
        pps.CopyTo(record.AsSpan(11 + sps.Length));
        _writer!.Message(VideoChunkStream, 9, _streamId, ms, [0x17, 0, 0, 0, 0], record);
        _sentSps = sps.ToArray();
        _sentPps = pps.ToArray();
    }

    public override void Service()
    {
        while (_tcp!.Readable(0))
        {
            ReadInput();
        }
    }

    public override void Dispose() => _tcp?.Dispose();

    private void Handshake(TcpConnection tcp)
    {
        // C0 (version 3) and C1 (time, zero, random bytes), then S0, S1, S2, then C2 echoing S1.
        var c0c1 = new byte[1 + HandshakeSize];
        c0c1[0] = 3;
        Random.Shared.NextBytes(c0c1.AsSpan(9));
        tcp.Send(c0c1);
        var s = new byte[1 + 2 * HandshakeSize];
        tcp.ReceiveTimeoutMs = RtspConnection.ResponseTimeoutMs;
        try
        {
            tcp.ReceiveExactly(s);
        }
        catch (TimeoutException)
        {
            throw new MediaException("no RTMP handshake answer within 10 s");
        }
        if (s[0] != 3)
        {
            throw new MediaException($"the streamer answered the RTMP handshake with version {s[0]}");
        }
        tcp.Send(s.AsSpan(1, HandshakeSize));
    }

    private void Command(Amf0Writer command, uint streamId = 0)
    {
        _writer!.Message(CommandChunkStream, 20, streamId, 0, command.Written, default);
        _writer.Flush();
    }

    /// <summary>Reads until the _result of a transaction (or, with -1, the publish onStatus) arrives.</summary>
    private void Await(double transaction, string what)
    {
        _awaitedTransaction = transaction;
        _answered = false;
        var deadline = Environment.TickCount64 + RtspConnection.ResponseTimeoutMs;
        while (!_answered)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new MediaException($"no answer to {what} within 10 s");
            }
            _tcp!.ReceiveTimeoutMs = 1000;
            try
            {
                ReadInput();
            }
            catch (TimeoutException)
            {
            }
        }
        if (!_answerOk)
        {
            throw new MediaException($"the streamer refused {what}: {_statusCode ?? "_error"} {_answerText}".TrimEnd());
        }
    }

    private void ReadInput()
    {
        var n = _tcp!.Receive(_input.AsSpan(_inputLength));
        if (n == 0)
        {
            throw new MediaException("the streamer closed the connection");
        }
        _inputLength += n;
        _received += n;
        var used = _reader.Read(_input.AsSpan(0, _inputLength), OnMessage);
        _input.AsSpan(used, _inputLength - used).CopyTo(_input);
        _inputLength -= used;
        if (_received - _acknowledged >= _ackWindow)
        {
            // Acknowledgement (section 5.4.3): the bytes received so far, once per window.
            var ack = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(ack, (uint)_received);
            _writer!.Message(ControlChunkStream, 3, 0, 0, ack, default);
            _writer.Flush();
            _acknowledged = _received;
        }
    }

    private void OnMessage(byte type, uint streamId, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case 1 when payload.Length >= 4:
                _reader.ChunkSize = Math.Clamp(BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7FFFFFFF, 1, RtmpChunkReader.MaxMessageBytes);
                break;
            case 4 when payload.Length >= 6 && BinaryPrimitives.ReadUInt16BigEndian(payload) == 6:
                // Ping request: answer with a ping response carrying the same time (nginx-rtmp drops
                // publishers that do not answer).
                var pong = payload[..6].ToArray();
                pong[1] = 7;
                _writer!.Message(ControlChunkStream, 4, 0, 0, pong, default);
                _writer.Flush();
                break;
            case 5 when payload.Length >= 4:
                _ackWindow = Math.Max(4096, BinaryPrimitives.ReadUInt32BigEndian(payload));
                break;
            case 20:
                OnCommand(payload);
                break;
            case 17 when payload.Length > 0:
                OnCommand(payload[1..]); // AMF3 command: a format byte, then AMF0
                break;
        }
    }

    private void OnCommand(ReadOnlySpan<byte> payload)
    {
        var r = new Amf0Reader(payload);
        if (!r.TryString(out var name) || !r.TryNumber(out var transaction))
        {
            return;
        }
        if (name is "_result" or "_error" && transaction == _awaitedTransaction)
        {
            r.Skip(); // command object (or null)
            string? code = null, description = null;
            if (!r.TryNumber(out _answerNumber))
            {
                r.TryObject("code", "description", out code, out description);
            }
            _answerOk = name == "_result";
            _statusCode = code;
            _answerText = description;
            _answered = true;
        }
        else if (name == "onStatus" && _awaitedTransaction < 0)
        {
            r.Skip();
            if (r.TryObject("code", "description", out var code, out var description) && code is not null)
            {
                // NetStream.Publish.Start, or a refusal (BadName, Rejected, ...).
                _statusCode = code;
                _answerText = description;
                _answerOk = code == "NetStream.Publish.Start";
                _answered = true;
            }
        }
    }
}
