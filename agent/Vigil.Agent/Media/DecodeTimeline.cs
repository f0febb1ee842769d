namespace Vigil.Agent.Media;

/// <summary>
/// Decoding times for a video track whose frames come in decoding order with presentation times
/// only (RTP carries no other), as FLV and other containers need both. With a reorder depth of N
/// (at most N frames sent ahead of one shown before them), the decoding time of the k-th frame is
/// the (k-N)-th smallest presentation time: at most the frame's own, strictly increasing, and known
/// without holding any frame back, because every frame shown before it has arrived by then.
/// The depth comes from the SPS (<see cref="ReorderDepth"/>) or, where the SPS does not say, from
/// the times themselves: a frame shown before frames sent ahead of it raises it (up to
/// <see cref="MaxDepth"/>), and the times step forward by one unit while it takes effect.
/// </summary>
internal sealed class DecodeTimeline
{
    /// <summary>The most frames a decoder may hold back (H.264's and H.265's largest picture buffer).</summary>
    public const int MaxDepth = 16;

    // Presentation times not yet given out as a decoding time, sorted: at most depth + 1 of them.
    private readonly long[] _pending = new long[MaxDepth + 2];
    private int _pendingCount;

    // The last frames' presentation times in decoding order, to see how far they reorder.
    private readonly long[] _recent = new long[MaxDepth + 1];
    private int _recentCount;
    private int _recentNext;
    private long _last = long.MinValue;

    /// <summary>The reorder depth in use.</summary>
    public int Depth { get; private set; }

    /// <summary>Raises the depth to what the SPS says; a depth never goes down within a stream.</summary>
    public void AtLeast(int depth) => Depth = Math.Clamp(depth, Depth, MaxDepth);

    /// <summary>The decoding time of the next frame in decoding order, in the unit of its presentation time.</summary>
    public long Next(long pts)
    {
        Observe(pts);
        // Insertion into a short sorted array (a sorting helper of the framework would cost the
        // agent's binary more than this loop).
        var at = _pendingCount;
        while (at > 0 && _pending[at - 1] > pts)
        {
            _pending[at] = _pending[at - 1];
            at--;
        }
        _pending[at] = pts;
        _pendingCount++;
        long dts;
        if (_pendingCount > Depth)
        {
            dts = _pending[0];
            _pendingCount--;
            Array.Copy(_pending, 1, _pending, 0, _pendingCount);
        }
        else
        {
            // The first frames of a stream: before its first presentation time, one unit apart
            // for each frame still to come before that time is reached.
            dts = _pending[0] - (Depth + 1 - _pendingCount);
        }
        // Strictly forward: only while a depth learned from the times takes effect (or when a
        // stream repeats a presentation time) does this move a time.
        if (_last != long.MinValue && dts <= _last)
        {
            dts = _last + 1;
        }
        _last = dts;
        return dts;
    }

    /// <summary>Counts the recent frames sent before this one but shown after it, and raises the depth to that.</summary>
    private void Observe(long pts)
    {
        var later = 0;
        for (var i = 0; i < _recentCount; i++)
        {
            later += _recent[i] > pts ? 1 : 0;
        }
        if (later > Depth)
        {
            Depth = Math.Min(later, MaxDepth);
        }
        _recent[_recentNext] = pts;
        _recentNext = (_recentNext + 1) % _recent.Length;
        _recentCount = Math.Min(_recentCount + 1, _recent.Length);
    }
}
