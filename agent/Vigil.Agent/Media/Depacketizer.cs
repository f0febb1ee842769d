namespace Vigil.Agent.Media;

/// <summary>Where depacketizers deliver whole frames. The spans are valid only during the call.</summary>
internal interface IFrameSink
{
    /// <summary>
    /// One frame of a track at an RTP timestamp. Video frames are NAL units, each behind a 4-byte
    /// big-endian length (the AVC/HEVC sample format that FLV and MP4 carry), <paramref name="prefix"/>
    /// first (parameter sets a keyframe lacked) then <paramref name="data"/>. Audio frames are one
    /// codec frame in <paramref name="data"/>.
    /// </summary>
    void OnFrame(int track, uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data);

    /// <summary>A frame of the track was dropped (broken, too big, or lost its keyframe).</summary>
    void OnDrop(int track);
}

/// <summary>Turns one track's RTP packets into whole frames for an <see cref="IFrameSink"/>.</summary>
internal abstract class Depacketizer(int track, IFrameSink sink)
{
    // Far enough back that the first warning is logged; long.MinValue would overflow "now - last".
    private long _lastWarning = long.MinValue / 2;

    protected int Track { get; } = track;
    protected IFrameSink Sink { get; } = sink;

    /// <summary>Frames dropped: broken, over the size cap, or waiting for a keyframe after a loss.</summary>
    public long Drops { get; private set; }

    protected void CountDrop()
    {
        Drops++;
        Sink.OnDrop(Track);
    }

    public abstract void Push(in RtpPacket packet);

    public static Depacketizer? For(SdpTrack t, int track, IFrameSink sink, int maxFrameBytes) => t.Codec switch
    {
        MediaCodec.H264 or MediaCodec.H265 => new VideoDepacketizer(t, track, sink, maxFrameBytes),
        MediaCodec.Aac => new AacDepacketizer(t, track, sink),
        MediaCodec.Pcmu or MediaCodec.Pcma => new PassthroughDepacketizer(track, sink),
        _ => null,
    };

    /// <summary>A warning at most every 10 s per track: a broken camera must not flood the log.</summary>
    protected void Warn(string message)
    {
        var now = Environment.TickCount64;
        if (now - _lastWarning >= 10_000)
        {
            _lastWarning = now;
            Log.Warn($"track {Track}: {message} ({Drops} frames dropped so far)");
        }
    }
}

/// <summary>G.711 (RFC 3551): each packet's payload is a frame of samples.</summary>
internal sealed class PassthroughDepacketizer(int track, IFrameSink sink) : Depacketizer(track, sink)
{
    public override void Push(in RtpPacket packet)
    {
        if (packet.Payload.Length > 0)
        {
            Sink.OnFrame(Track, packet.Timestamp, true, default, packet.Payload);
        }
    }
}
