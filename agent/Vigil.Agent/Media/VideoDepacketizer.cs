using System.Buffers.Binary;

namespace Vigil.Agent.Media;

/// <summary>
/// H.264 (RFC 6184) and H.265 (RFC 7798) RTP payloads into access units of length-prefixed NAL
/// units. Single NAL units, aggregation packets (STAP-A, AP) and fragmentation units (FU-A, FU).
/// What real cameras get wrong is handled here: an access unit ends at the marker bit or, when a
/// camera never sets it, when the timestamp changes; a sequence gap drops everything up to the next
/// keyframe; Annex-B start codes inside a NAL unit split it; a keyframe without its parameter sets
/// gets them from the SDP or from earlier in the stream; a frame over the size cap is dropped.
/// </summary>
internal sealed class VideoDepacketizer : Depacketizer
{
    private static ReadOnlySpan<byte> StartCode => [0, 0, 1];

    private readonly bool _hevc;
    private readonly int _maxFrameBytes;

    /// <summary>The latest parameter sets: H.264 SPS, PPS; H.265 VPS, SPS, PPS.</summary>
    private readonly byte[]?[] _parameterSets = new byte[]?[3];
    private byte[] _au = new byte[64 * 1024];
    private int _auLength;
    private bool _auStarted;
    private uint _auTimestamp;
    private bool _auKey;
    private int _auParameterSets;

    /// <summary>Where the length prefix of a NAL unit being reassembled from fragments is, or -1.</summary>
    private int _fragmentStart = -1;
    private bool _waitForKeyframe = true;

    /// <summary>Frames skipped while waiting count as drops only after a loss, not before the first keyframe.</summary>
    private bool _lost;
    private bool _discarding;
    private uint _discardTimestamp;
    private int _expectedSequence = -1;
    private byte[]? _prefix;

    public VideoDepacketizer(SdpTrack format, int track, IFrameSink sink, int maxFrameBytes)
        : base(track, sink)
    {
        _hevc = format.Codec == MediaCodec.H265;
        _maxFrameBytes = maxFrameBytes;
        foreach (var set in format.ParameterSets)
        {
            Remember(set);
        }
    }

    /// <summary>All parameter sets are known: SPS and PPS, and for H.265 the VPS.</summary>
    private int AllParameterSets => _hevc ? 7 : 3;

    public override void Push(in RtpPacket packet)
    {
        var timestamp = packet.Timestamp;
        if (_expectedSequence >= 0 && packet.Sequence != _expectedSequence)
        {
            var sameFrame = _auStarted && timestamp == _auTimestamp;
            DropFrame($"RTP sequence gap ({_expectedSequence} expected, {packet.Sequence} came): waiting for the next keyframe", timestamp);
            _discarding = sameFrame;
        }
        _expectedSequence = (packet.Sequence + 1) & 0xFFFF;
        if (_discarding)
        {
            if (timestamp == _discardTimestamp)
            {
                _discarding = !packet.Marker;
                return;
            }
            _discarding = false;
        }
        if (_auStarted && timestamp != _auTimestamp)
        {
            // No marker bit on the last packet: the new timestamp ends the frame before it.
            Complete();
            _discarding = false;
        }
        if (!_auStarted)
        {
            _auStarted = true;
            _auTimestamp = timestamp;
        }
        var p = packet.Payload;
        if (p.Length > 0)
        {
            if (_hevc)
            {
                PushH265(p);
            }
            else
            {
                PushH264(p);
            }
        }
        if (packet.Marker)
        {
            // The frame ends here, whether it was being built or being dropped.
            if (_discarding)
            {
                _discarding = false;
            }
            else if (_auStarted)
            {
                Complete();
            }
        }
    }

    private void PushH264(ReadOnlySpan<byte> p)
    {
        switch (p[0] & 0x1F)
        {
            case 24:
                Aggregate(p[1..]);
                break;
            case 28:
                if (p.Length < 3)
                {
                    Broken("a FU-A shorter than its headers");
                    return;
                }
                // FU indicator (F, NRI) and FU header (S, E, type) give back the NAL header.
                Fragment(p[1], (byte)(p[0] & 0xE0 | p[1] & 0x1F), 0, p[2..]);
                break;
            case >= 25:
                Broken("STAP-B, MTAP or FU-B: interleaved packetization is not supported");
                break;
            default:
                AddNal(p);
                break;
        }
    }

    private void PushH265(ReadOnlySpan<byte> p)
    {
        if (p.Length < 2)
        {
            Broken("an H.265 payload shorter than its header");
            return;
        }
        switch (p[0] >> 1 & 0x3F)
        {
            case 48:
                Aggregate(p[2..]);
                break;
            case 49:
                if (p.Length < 4)
                {
                    Broken("an H.265 FU shorter than its headers");
                    return;
                }
                // The FU header's type goes back into the 2-byte NAL header (RFC 7798 section 4.4.3).
                Fragment(p[2], (byte)(p[0] & 0x81 | (p[2] & 0x3F) << 1), p[1], p[3..]);
                break;
            case 50:
                break; // PACI carries nothing the agent forwards
            default:
                AddNal(p);
                break;
        }
    }

    /// <summary>STAP-A / AP: 16-bit sizes, each followed by a NAL unit.</summary>
    private void Aggregate(ReadOnlySpan<byte> p)
    {
        while (p.Length > 0)
        {
            if (p.Length < 2)
            {
                Broken("an aggregation packet cut inside a size");
                return;
            }
            var size = BinaryPrimitives.ReadUInt16BigEndian(p);
            if (size == 0 || size > p.Length - 2)
            {
                Broken("an aggregation packet whose unit runs past its end");
                return;
            }
            if (!AddNal(p.Slice(2, size)))
            {
                return;
            }
            p = p[(2 + size)..];
        }
    }

    private void Fragment(byte fuHeader, byte nalHeader0, byte nalHeader1, ReadOnlySpan<byte> data)
    {
        var start = (fuHeader & 0x80) != 0;
        var end = (fuHeader & 0x40) != 0;
        if (start)
        {
            if (_fragmentStart >= 0)
            {
                Broken("a fragment started before the last one ended");
                return;
            }
            if (!Reserve(6 + data.Length))
            {
                return;
            }
            _fragmentStart = _auLength;
            _auLength += 4;
            _au[_auLength++] = nalHeader0;
            if (_hevc)
            {
                _au[_auLength++] = nalHeader1;
            }
        }
        else if (_fragmentStart < 0)
        {
            Broken("a fragment without its start");
            return;
        }
        else if (!Reserve(data.Length))
        {
            return;
        }
        data.CopyTo(_au.AsSpan(_auLength));
        _auLength += data.Length;
        if (end)
        {
            var at = _fragmentStart;
            _fragmentStart = -1;
            BinaryPrimitives.WriteInt32BigEndian(_au.AsSpan(at), _auLength - at - 4);
            Completed(at);
        }
    }

    /// <summary>Appends one NAL unit with its length prefix; false when the frame was dropped.</summary>
    private bool AddNal(ReadOnlySpan<byte> nal)
    {
        if (_fragmentStart >= 0)
        {
            Broken("a NAL unit inside an unfinished fragment");
            return false;
        }
        if (!Reserve(4 + nal.Length))
        {
            return false;
        }
        var at = _auLength;
        BinaryPrimitives.WriteInt32BigEndian(_au.AsSpan(at), nal.Length);
        nal.CopyTo(_au.AsSpan(at + 4));
        _auLength += 4 + nal.Length;
        return Completed(at);
    }

    /// <summary>A whole NAL unit now stands at <paramref name="at"/>: split it at start codes, note what it is.</summary>
    private bool Completed(int at)
    {
        var nal = _au.AsSpan(at + 4, _auLength - at - 4);
        if (nal.IndexOf(StartCode) >= 0)
        {
            // Annex-B inside a NAL unit: a start code cannot occur in a real one (emulation prevention,
            // H.264 section 7.4.1), so the camera glued several together. Take them apart.
            var glued = nal.ToArray();
            _auLength = at;
            foreach (var range in SplitAnnexB(glued))
            {
                if (!AddNal(glued.AsSpan(range)))
                {
                    return false;
                }
            }
            return true;
        }
        if (nal.Length < (_hevc ? 2 : 1))
        {
            _auLength = at;
            return true;
        }
        var type = _hevc ? nal[0] >> 1 & 0x3F : nal[0] & 0x1F;
        var parameterSet = ParameterSetIndex(type);
        if (parameterSet >= 0)
        {
            _auParameterSets |= 1 << parameterSet;
            Remember(nal);
        }
        else if (_hevc ? type is >= 16 and <= 21 : type == 5)
        {
            _auKey = true;
        }
        return true;
    }

    /// <summary>The NAL units between start codes, without the zeros that pad a 4-byte start code.</summary>
    internal static List<Range> SplitAnnexB(ReadOnlySpan<byte> data)
    {
        var list = new List<Range>();
        var start = 0;
        while (start <= data.Length)
        {
            var next = data[start..].IndexOf(StartCode);
            var end = next < 0 ? data.Length : start + next;
            var trimmed = end;
            while (trimmed > start && data[trimmed - 1] == 0)
            {
                trimmed--;
            }
            if (trimmed > start)
            {
                list.Add(start..trimmed);
            }
            if (next < 0)
            {
                break;
            }
            start = end + 3;
        }
        return list;
    }

    private int ParameterSetIndex(int type) => _hevc
        ? type switch { 32 => 0, 33 => 1, 34 => 2, _ => -1 }
        : type switch { 7 => 0, 8 => 1, _ => -1 };

    private void Remember(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 2)
        {
            return;
        }
        var index = ParameterSetIndex(_hevc ? nal[0] >> 1 & 0x3F : nal[0] & 0x1F);
        if (index >= 0 && !nal.SequenceEqual(_parameterSets[index]))
        {
            _parameterSets[index] = nal.ToArray();
            _prefix = null;
        }
    }

    /// <summary>The frame is whole: hand it on, or drop it while waiting for a keyframe.</summary>
    private void Complete()
    {
        if (_fragmentStart >= 0)
        {
            DropFrame("a frame ended inside a fragmented NAL unit: waiting for the next keyframe", _auTimestamp);
            return;
        }
        if (_auLength == 0)
        {
            Reset();
            return;
        }
        if (_waitForKeyframe && !_auKey)
        {
            if (_lost)
            {
                CountDrop();
            }
            Reset();
            return;
        }
        ReadOnlySpan<byte> prefix = default;
        if (_auKey && (_auParameterSets & AllParameterSets) != AllParameterSets)
        {
            // A camera that sends its parameter sets only in the SDP (or only now and then):
            // every keyframe carries them, so that any decoder can start there.
            prefix = Prefix();
            if (prefix.IsEmpty)
            {
                DropFrame("a keyframe without SPS/PPS, and none in the SDP or earlier in the stream: waiting for them", _auTimestamp);
                return;
            }
        }
        if (_auKey)
        {
            _waitForKeyframe = false;
            _lost = false;
        }
        Sink.OnFrame(Track, _auTimestamp, _auKey, prefix, _au.AsSpan(0, _auLength));
        Reset();
    }

    /// <summary>The known parameter sets, length-prefixed; empty while one is missing.</summary>
    private ReadOnlySpan<byte> Prefix()
    {
        if (_prefix is null)
        {
            var count = _hevc ? 3 : 2;
            var length = 0;
            for (var i = 0; i < count; i++)
            {
                if (_parameterSets[i] is not { } set)
                {
                    return default;
                }
                length += 4 + set.Length;
            }
            var prefix = new byte[length];
            var at = 0;
            for (var i = 0; i < count; i++)
            {
                var set = _parameterSets[i]!;
                BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(at), set.Length);
                set.CopyTo(prefix, at + 4);
                at += 4 + set.Length;
            }
            _prefix = prefix;
        }
        return _prefix;
    }

    /// <summary>Makes room for more of the frame; over the cap the frame is dropped (false).</summary>
    private bool Reserve(int more)
    {
        var needed = _auLength + more;
        if (needed > _maxFrameBytes)
        {
            DropFrame($"a frame over {_maxFrameBytes} bytes: dropped, waiting for the next keyframe", _auTimestamp);
            return false;
        }
        if (needed > _au.Length)
        {
            Array.Resize(ref _au, Math.Min(Math.Max(needed, _au.Length * 2), _maxFrameBytes));
        }
        return true;
    }

    private void Broken(string why) => DropFrame($"{why}: frame dropped, waiting for the next keyframe", _auTimestamp);

    /// <summary>Drops the frame being built and whatever else comes with its timestamp; waits for a keyframe.</summary>
    private void DropFrame(string why, uint timestamp)
    {
        CountDrop();
        Warn(why);
        Reset();
        _waitForKeyframe = true;
        _lost = true;
        _discarding = true;
        _discardTimestamp = timestamp;
        if (_au.Length > 1024 * 1024)
        {
            // Memory is for frames that get through: a huge one does not keep its buffer.
            _au = new byte[64 * 1024];
        }
    }

    private void Reset()
    {
        _auLength = 0;
        _auStarted = false;
        _auKey = false;
        _auParameterSets = 0;
        _fragmentStart = -1;
    }
}
