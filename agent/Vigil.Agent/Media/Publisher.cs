namespace Vigil.Agent.Media;

/// <summary>
/// The streamer's side: one connection that publishes one stream. Used from one thread, except
/// <see cref="Dispose"/>, which any thread may call to break a blocking call.
/// </summary>
internal abstract class Publisher : IDisposable
{
    /// <summary>A streamer that takes no bytes for this long is dropped and dialled again.</summary>
    public const int SendTimeoutMs = 10_000;

    /// <summary>
    /// Connects and sets the stream up for the tracks of <paramref name="first"/>, the frame the
    /// stream will start with (a video keyframe when there is video); throws when the streamer refuses.
    /// </summary>
    public abstract void Open(MediaFrame first, CancellationToken ct);

    /// <summary>Sends one frame (blocking).</summary>
    public abstract void Write(MediaFrame frame);

    /// <summary>Handles what the streamer sent meanwhile (pings, acknowledgements); called at least every second.</summary>
    public abstract void Service();

    /// <summary>Ends the stream politely where the protocol has a way to (the agent is stopping).</summary>
    public virtual void Close()
    {
    }

    public abstract void Dispose();

    /// <summary>The scheme picks the publisher: rtmp:// or rtsp:// (ANNOUNCE and RECORD).</summary>
    public static Publisher For(MediaUrl target) => target.Scheme == "rtmp" ? new RtmpPublisher(target) : new RtspPublisher(target);

    internal static int NalType(ReadOnlySpan<byte> nal, bool hevc) => nal.IsEmpty ? -1 : hevc ? nal[0] >> 1 & 0x3F : nal[0] & 0x1F;

    /// <summary>The first NAL unit of a type in a frame of length-prefixed NAL units, or empty.</summary>
    internal static ReadOnlySpan<byte> FindNal(ReadOnlySpan<byte> frame, bool hevc, int type)
    {
        while (frame.Length >= 4)
        {
            var length = (int)Math.Min((uint)(frame.Length - 4), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame));
            var nal = frame.Slice(4, length);
            if (NalType(nal, hevc) == type)
            {
                return nal;
            }
            frame = frame[(4 + length)..];
        }
        return default;
    }

    /// <summary>A keyframe's parameter sets: SPS and PPS, or for H.265 VPS, SPS and PPS; null if one is missing.</summary>
    internal static byte[][]? ParameterSets(ReadOnlySpan<byte> frame, bool hevc)
    {
        int[] types = hevc ? [32, 33, 34] : [7, 8];
        var sets = new byte[types.Length][];
        for (var i = 0; i < types.Length; i++)
        {
            var nal = FindNal(frame, hevc, types[i]);
            if (nal.IsEmpty)
            {
                return null;
            }
            sets[i] = nal.ToArray();
        }
        return sets;
    }
}
