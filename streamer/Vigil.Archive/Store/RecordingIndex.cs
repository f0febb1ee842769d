using System.Buffers.Binary;
using Vigil.Archive.Media;

namespace Vigil.Archive.Store;

/// <summary>One keyframe of a recording: its time from the file's first tag and the offset of its tag.</summary>
public readonly record struct Keyframe(int TimeMs, long Offset);

/// <summary>
/// What the archive knows of one recording without reading it: its wall-clock start (ms since the Unix
/// epoch), its duration, its size and its keyframes. Written beside the FLV as NAME.idx (a few KB for a
/// five-minute file); rebuilt from the FLV when missing or unreadable.
/// </summary>
public sealed class RecordingIndex
{
    private const uint Magic = 0x56415831; // "VAX1"
    private const int HeaderLength = 4 + 8 + 4 + 8 + 4;
    private const int EntryLength = 4 + 8;

    /// <summary>A five-minute file at one keyframe every 0.1 s has 3,000: anything far past that is no index of ours.</summary>
    public const int MaxKeyframes = 1_000_000;

    public RecordingIndex(long startMs, int durationMs, long length, IReadOnlyList<Keyframe> keyframes)
    {
        StartMs = startMs;
        DurationMs = durationMs;
        Length = length;
        Keyframes = keyframes;
    }

    public long StartMs { get; }

    public int DurationMs { get; }

    public long EndMs => StartMs + DurationMs;

    /// <summary>The bytes of the FLV that the index covers (all of a finished file).</summary>
    public long Length { get; }

    public IReadOnlyList<Keyframe> Keyframes { get; }

    public RecordingIndex WithStart(long startMs) => new(startMs, DurationMs, Length, Keyframes);

    /// <summary>
    /// The keyframe to start from for a wall-clock moment: the last one at or before it, or the first
    /// when the moment is before the file; null when the file has none.
    /// </summary>
    public Keyframe? KeyframeAtOrBefore(long wallMs)
    {
        if (Keyframes.Count == 0)
        {
            return null;
        }
        var relative = wallMs - StartMs;
        int lo = 0, hi = Keyframes.Count - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (Keyframes[mid].TimeMs <= relative)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return Keyframes[found];
    }

    /// <summary>Reads a whole finished FLV into its index (see <see cref="IndexBuilder"/>).</summary>
    public static RecordingIndex Build(string flvPath, long startMs, out string? corruption)
    {
        var builder = new IndexBuilder();
        builder.Advance(flvPath);
        corruption = builder.Corruption;
        return builder.ToIndex(startMs);
    }

    public void Write(string path)
    {
        var bytes = new byte[HeaderLength + Keyframes.Count * EntryLength];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, Magic);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], StartMs);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], DurationMs);
        BinaryPrimitives.WriteInt64BigEndian(span[16..], Length);
        BinaryPrimitives.WriteInt32BigEndian(span[24..], Keyframes.Count);
        var at = HeaderLength;
        foreach (var k in Keyframes)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], k.TimeMs);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 4)..], k.Offset);
            at += EntryLength;
        }
        // Written aside and renamed: a reader never sees half an index.
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The index at <paramref name="path"/>, or null when it is missing or not one of ours.</summary>
    public static RecordingIndex? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length < HeaderLength || file.Length > HeaderLength + (long)MaxKeyframes * EntryLength)
            {
                return null;
            }
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException)
        {
            return null;
        }
        var span = bytes.AsSpan();
        if (BinaryPrimitives.ReadUInt32BigEndian(span) != Magic)
        {
            return null;
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(span[24..]);
        if (count < 0 || bytes.Length != HeaderLength + count * EntryLength)
        {
            return null;
        }
        var keyframes = new Keyframe[count];
        for (var i = 0; i < count; i++)
        {
            var at = HeaderLength + i * EntryLength;
            keyframes[i] = new Keyframe(BinaryPrimitives.ReadInt32BigEndian(span[at..]), BinaryPrimitives.ReadInt64BigEndian(span[(at + 4)..]));
        }
        return new RecordingIndex(BinaryPrimitives.ReadInt64BigEndian(span[4..]), BinaryPrimitives.ReadInt32BigEndian(span[12..]),
            BinaryPrimitives.ReadInt64BigEndian(span[16..]), keyframes);
    }
}
