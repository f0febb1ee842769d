namespace Vigil.Archive.Export;

/// <summary>
/// One track of an MP4 export as its sample tables need it (ISO/IEC 14496-12, 8.6 and 8.7): each
/// sample's size, decode time and composition offset (in the media's timescale), the sync samples,
/// and the chunks (runs of this track's samples lying together in mdat). Only these tables are kept:
/// about 16 bytes a sample, some 6 MB for an hour of video and audio, never the media itself.
/// </summary>
public sealed class Mp4Track(int id, bool video, int timescale, byte[] config)
{
    private readonly List<int> _sizes = [];
    private readonly List<long> _decodeTimes = [];
    private readonly List<int> _offsets = [];
    private readonly List<int> _syncs = [];
    private readonly List<(long Offset, int Count)> _chunks = [];

    public int Id { get; } = id;

    public bool IsVideo { get; } = video;

    /// <summary>Units a second of the media's time (mdhd): 90,000 for video, the sample rate for audio.</summary>
    public int Timescale { get; } = timescale;

    /// <summary>The decoder's configuration: the AVCDecoderConfigurationRecord (avcC) or the AudioSpecificConfig (esds).</summary>
    public byte[] Config { get; } = config;

    public int Width { get; init; }

    public int Height { get; init; }

    public int Channels { get; init; }

    /// <summary>The wall-clock time of the first sample's decode, in ms.</summary>
    public long FirstWallMs { get; private set; } = long.MinValue;

    public int Count => _sizes.Count;

    public IReadOnlyList<int> Sizes => _sizes;

    public IReadOnlyList<int> Syncs => _syncs;

    public IReadOnlyList<(long Offset, int Count)> Chunks => _chunks;

    /// <summary>The composition offset of the first sample, in media units: where presentation starts (the edit list's media_time).</summary>
    public int FirstOffset => _offsets.Count > 0 ? _offsets[0] : 0;

    public bool HasOffsets { get; private set; }

    public bool HasNegativeOffsets { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>
    /// Adds a sample at <paramref name="mdatOffset"/> (from the start of mdat's payload). Decode times
    /// only increase: a sample that would go back (two files meeting a millisecond out of step) is put one unit after the last.
    /// </summary>
    public void Add(long wallMs, int compositionMs, bool sync, int size, long mdatOffset, bool newChunk)
    {
        if (FirstWallMs == long.MinValue)
        {
            FirstWallMs = wallMs;
        }
        var time = (wallMs - FirstWallMs) * Timescale / 1000;
        if (_decodeTimes.Count > 0 && time <= _decodeTimes[^1])
        {
            time = _decodeTimes[^1] + 1;
        }
        _decodeTimes.Add(time);
        var offset = (int)((long)compositionMs * Timescale / 1000);
        _offsets.Add(offset);
        HasOffsets |= offset != 0;
        HasNegativeOffsets |= offset < 0;
        if (sync)
        {
            _syncs.Add(_sizes.Count + 1);
        }
        _sizes.Add(size);
        Bytes += size;
        if (newChunk || _chunks.Count == 0)
        {
            _chunks.Add((mdatOffset, 1));
        }
        else
        {
            _chunks[^1] = (_chunks[^1].Offset, _chunks[^1].Count + 1);
        }
    }

    /// <summary>The duration of sample <paramref name="i"/>: up to the next one; the last lasts as long as the one before it.</summary>
    public long DurationOf(int i) =>
        i + 1 < _decodeTimes.Count ? _decodeTimes[i + 1] - _decodeTimes[i]
        : i > 0 ? _decodeTimes[i] - _decodeTimes[i - 1]
        : IsVideo ? Timescale / 25 : 1024;

    /// <summary>The media's whole duration in its own units.</summary>
    public long Duration => Count == 0 ? 0 : _decodeTimes[^1] - _decodeTimes[0] + DurationOf(Count - 1);

    public int OffsetOf(int i) => _offsets[i];
}
