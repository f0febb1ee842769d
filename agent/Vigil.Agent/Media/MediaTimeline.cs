namespace Vigil.Agent.Media;

/// <summary>
/// The frames' times, in microseconds on one timeline that goes on across camera sessions. Within
/// a session each track counts from the RTP timestamp the PLAY answer gave it (RTP-Info), which puts
/// audio and video on the same zero, or from its first packet; 32-bit wrap-around is carried over
/// (RFC 3550 section 5.1). A later session starts where the last frame was, plus the time between.
/// </summary>
internal sealed class MediaTimeline
{
    private int[] _clock = [];
    private long[] _base = [];
    private long[] _extended = [];
    private uint[] _last = [];
    private bool[] _seen = [];
    private long _offsetUs;
    private long _lastUs = -1;
    private long _lastTicks;

    /// <summary>A session begins: its tracks' clock rates and RTP-Info timestamps (-1 where none).</summary>
    public void Start(StreamInfo stream, long[] rtpInfo, long nowTicks)
    {
        var n = stream.Tracks.Length;
        _clock = new int[n];
        for (var i = 0; i < n; i++)
        {
            _clock[i] = stream.Tracks[i].ClockRate;
        }
        _base = rtpInfo;
        _extended = new long[n];
        _last = new uint[n];
        _seen = new bool[n];
        _offsetUs = _lastUs < 0 ? 0 : _lastUs + (nowTicks - _lastTicks) * 1000;
    }

    /// <summary>The time of a frame of a track, from its RTP timestamp.</summary>
    public long TimeUs(int track, uint rtpTimestamp, long nowTicks)
    {
        if (!_seen[track])
        {
            _seen[track] = true;
            _extended[track] = _base[track] >= 0 ? (int)(rtpTimestamp - (uint)_base[track]) : 0;
        }
        else
        {
            // The signed difference carries the timestamp over its wrap-around.
            _extended[track] += (int)(rtpTimestamp - _last[track]);
        }
        _last[track] = rtpTimestamp;
        var us = _offsetUs + _extended[track] * 1_000_000 / _clock[track];
        _lastUs = Math.Max(_lastUs, us);
        _lastTicks = nowTicks;
        return us;
    }
}
