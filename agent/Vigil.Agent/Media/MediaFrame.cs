using System.Buffers;

namespace Vigil.Agent.Media;

/// <summary>
/// A frame on its way from the camera to the streamer: its track, its time on the agent's
/// continuous timeline (microseconds), and its bytes in a pooled array that goes back to the pool
/// once the publisher has sent it (or the queue dropped it).
/// </summary>
internal sealed class MediaFrame
{
    public MediaFrame(StreamInfo stream, int track, long timeUs, bool key, int length)
    {
        Stream = stream;
        Track = track;
        TimeUs = timeUs;
        Key = key;
        Length = length;
        Data = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
    }

    public StreamInfo Stream { get; }
    public int Track { get; }
    public long TimeUs { get; }

    /// <summary>A video keyframe, or any audio frame (each one decodes alone).</summary>
    public bool Key { get; }
    public byte[] Data { get; private set; }
    public int Length { get; }

    public SdpTrack Format => Stream.Tracks[Track];

    /// <summary>A video keyframe: where a publisher (or a stream that lost frames) can start.</summary>
    public bool IsVideoKey => Key && Format.IsVideo;

    public ReadOnlySpan<byte> Span => Data.AsSpan(0, Length);

    public void Release()
    {
        if (Data.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Data);
            Data = [];
        }
    }
}

/// <summary>
/// The frames between the camera's thread and the streamer's: bounded in bytes and in count. When
/// the streamer is slower than the camera, what does not fit is dropped up to the next video
/// keyframe, so that what goes out always decodes; while no streamer is connected, nothing is kept.
/// </summary>
internal sealed class FrameQueue(int maxBytes, int maxFrames)
{
    private readonly Queue<MediaFrame> _frames = new();
    private int _bytes;
    private bool _skipToKey;
    private bool _accepting;
    private long _lastWarning = long.MinValue / 2;
    private long _warnedDrops;

    /// <summary>Frames dropped because the streamer was slow or away.</summary>
    public long Drops { get; private set; }

    public int Count
    {
        get
        {
            lock (_frames)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>Takes the frame, or drops it (and releases its bytes).</summary>
    public void Add(MediaFrame frame)
    {
        lock (_frames)
        {
            if (_skipToKey && frame.IsVideoKey)
            {
                _skipToKey = false;
            }
            if (!_accepting || _skipToKey || _bytes + frame.Length > maxBytes || _frames.Count >= maxFrames)
            {
                if (_accepting && !_skipToKey)
                {
                    // The streamer falls behind: cut here and start again at a keyframe. Said once
                    // per 10 s: a streamer that stays slow falls behind again at every keyframe.
                    _skipToKey = frame.Stream.HasVideo;
                    var now = Environment.TickCount64;
                    if (now - _lastWarning >= 10_000)
                    {
                        Log.Warn($"streamer: falling behind ({_frames.Count} frames, {_bytes} bytes queued): dropping up to the next keyframe ({Drops - _warnedDrops} frames dropped since the last warning)");
                        _lastWarning = now;
                        _warnedDrops = Drops;
                    }
                }
                Drops++;
                frame.Release();
                return;
            }
            _frames.Enqueue(frame);
            _bytes += frame.Length;
            Monitor.Pulse(_frames);
        }
    }

    /// <summary>The next frame, or null when none came within the time.</summary>
    public MediaFrame? Take(int timeoutMs)
    {
        lock (_frames)
        {
            if (_frames.Count == 0)
            {
                Monitor.Wait(_frames, timeoutMs);
                if (_frames.Count == 0)
                {
                    return null;
                }
            }
            var frame = _frames.Dequeue();
            _bytes -= frame.Length;
            return frame;
        }
    }

    /// <summary>
    /// Opens (a streamer is connecting: keep frames from the next keyframe on) or closes (drop
    /// everything, hold nothing) the queue.
    /// </summary>
    public void Accept(bool accepting)
    {
        lock (_frames)
        {
            _accepting = accepting;
            _skipToKey = false;
            while (_frames.Count > 0)
            {
                Drops++;
                _frames.Dequeue().Release();
            }
            _bytes = 0;
            Monitor.PulseAll(_frames);
        }
    }
}
