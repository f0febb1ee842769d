using Vigil.Archive.Media;

namespace Vigil.Archive.Store;

/// <summary>
/// Measures an FLV as it is read, and goes on from where it stopped when the file has grown (the file
/// being recorded): each keyframe, the last tag's time, the usual frame interval (the duration counts
/// the last frame as lasting that long). A tail cut mid-tag is left for the next read.
/// </summary>
public sealed class IndexBuilder
{
    private readonly List<Keyframe> _keyframes = [];
    private readonly List<int> _intervals = [];
    private long _lastVideo = -1;
    private long _lastAny;
    private long _position;

    /// <summary>The bytes of the file read so far (to the end of its last whole tag).</summary>
    public long Length => _position;

    /// <summary>The time of the last audio or video tag read, from the file's first.</summary>
    public long LastTimestampMs => _lastAny;

    public string? Corruption { get; private set; }

    /// <summary>Reads what <paramref name="flvPath"/> holds past what was read before.</summary>
    public void Advance(string flvPath)
    {
        using var reader = FlvReader.Open(flvPath);
        if (_position > 0)
        {
            reader.Seek(_position);
        }
        while (reader.TryReadTag(out var tag))
        {
            _position = tag.Offset + tag.SizeOnDisk;
            if (tag.Kind == FlvTagKind.Script || tag.IsSequenceHeader || tag.IsEndOfSequence)
            {
                continue;
            }
            _lastAny = Math.Max(_lastAny, tag.TimestampMs);
            if (tag.Kind != FlvTagKind.Video)
            {
                continue;
            }
            if (tag.IsKeyframe && _keyframes.Count < RecordingIndex.MaxKeyframes)
            {
                _keyframes.Add(new Keyframe((int)Math.Min(tag.TimestampMs, int.MaxValue), tag.Offset));
            }
            if (_lastVideo >= 0 && tag.TimestampMs > _lastVideo && _intervals.Count < 256)
            {
                _intervals.Add((int)(tag.TimestampMs - _lastVideo));
            }
            _lastVideo = tag.TimestampMs;
        }
        if (_position == 0 && reader.Position > 0)
        {
            _position = reader.Position; // a header and no tag yet
        }
        Corruption = reader.Corruption;
    }

    public RecordingIndex ToIndex(long startMs)
    {
        var sorted = _intervals.ToArray();
        Array.Sort(sorted);
        var frame = sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
        var duration = Math.Max(_lastVideo >= 0 ? _lastVideo + frame : 0, _lastAny);
        return new RecordingIndex(startMs, (int)Math.Min(duration, int.MaxValue), _position, _keyframes.ToArray());
    }
}
