using System.Buffers;
using System.Buffers.Binary;

namespace Vigil.Archive.Media;

/// <summary>
/// Reads the tags of an FLV file (FLV 10.1, annex E) from a stream, as nginx-rtmp's <c>record</c>
/// writes it: a 9-byte header, then tags each followed by its PreviousTagSize. A file cut short (a
/// crash while recording, or a file still being written) reads up to its last whole tag: the reader
/// then reports <see cref="Truncated"/> and, on a seekable stream, stands at that tag's start so that
/// a later read picks it up once it is complete. Every length read from the file is capped.
/// </summary>
public sealed class FlvReader : IDisposable
{
    /// <summary>A tag's header: type, 24-bit size, 24-bit time, time's high byte, 24-bit stream id.</summary>
    public const int TagHeaderLength = 11;

    /// <summary>The largest tag body read by default. nginx-rtmp's own message cap is 1 MB (max_message); a 4K keyframe stays below this.</summary>
    public const int DefaultMaxTagSize = 8 * 1024 * 1024;

    /// <summary>An FLV header announces where its tags start; anything past this is not a file to read.</summary>
    private const int MaxHeaderLength = 1024;

    /// <summary>How much of the file is read at once: large reads, few system calls, tags handed out in place.</summary>
    private const int BlockLength = 256 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _maxTagSize;
    /// <summary>
    /// Bytes of the file from <see cref="_blockStart"/> on (<see cref="_blockLength"/> of them); the
    /// stream stands at their end. Tags are handed out as slices of it, never copied.
    /// </summary>
    private byte[] _block = ArrayPool<byte>.Shared.Rent(BlockLength);
    private long _blockStart;
    private int _blockLength;
    private long _position;
    private bool _headerRead;

    public FlvReader(Stream stream, bool leaveOpen = false, int maxTagSize = DefaultMaxTagSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTagSize, 16);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _maxTagSize = maxTagSize;
        _position = stream.CanSeek ? stream.Position : 0;
        _blockStart = _position;
    }

    /// <summary>Opens <paramref name="path"/> for reading, shared with a writer that still appends to it.</summary>
    public static FlvReader Open(string path, int maxTagSize = DefaultMaxTagSize) =>
        new(new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0, // the reader's own block is the buffer
        }), leaveOpen: false, maxTagSize);

    /// <summary>Whether the FLV header says the file holds audio, video.</summary>
    public bool HasAudio { get; private set; }

    public bool HasVideo { get; private set; }

    /// <summary>The last read stopped at an incomplete tag (or header): the file ends mid-write.</summary>
    public bool Truncated { get; private set; }

    /// <summary>The last read stopped at bytes that are no FLV (bad signature, a length over the cap): nothing after them is read.</summary>
    public string? Corruption { get; private set; }

    /// <summary>The offset of the next tag (after the header has been read), from the stream's start.</summary>
    public long Position => _position;

    /// <summary>
    /// Moves to a tag start known from an index (<see cref="FlvTag.Offset"/>); the header must be read
    /// first or is taken as read. Needs a seekable stream.
    /// </summary>
    public void Seek(long tagOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tagOffset);
        if (!_stream.CanSeek)
        {
            throw new NotSupportedException("Seek needs a seekable stream");
        }
        if (tagOffset < _blockStart || tagOffset > _blockStart + _blockLength)
        {
            _stream.Position = tagOffset;
            _blockStart = tagOffset;
            _blockLength = 0;
        }
        _position = tagOffset;
        _headerRead = true;
        Truncated = false;
    }

    /// <summary>Reads the FLV header and PreviousTagSize0; false if the stream is too short or no FLV (see <see cref="Corruption"/>).</summary>
    public bool TryReadHeader()
    {
        if (_headerRead)
        {
            return true;
        }
        var start = _position;
        if (!Ensure(start, 9))
        {
            return false;
        }
        var head = Bytes(start, 9);
        if (head[0] != (byte)'F' || head[1] != (byte)'L' || head[2] != (byte)'V')
        {
            Corruption = "no FLV signature";
            return false;
        }
        var dataOffset = BinaryPrimitives.ReadUInt32BigEndian(head[5..]);
        if (dataOffset is < 9 or > MaxHeaderLength)
        {
            Corruption = $"FLV header length {dataOffset} is out of range";
            return false;
        }
        HasAudio = (head[4] & 0x04) != 0;
        HasVideo = (head[4] & 0x01) != 0;
        // The rest of the header (nothing in FLV 1) and PreviousTagSize0.
        if (!Ensure(start, (int)dataOffset + 4))
        {
            Truncated = true;
            return false;
        }
        _position = start + dataOffset + 4;
        _headerRead = true;
        return true;
    }

    /// <summary>
    /// Reads the next tag. False at the end of the stream, at a truncated tail (<see cref="Truncated"/>)
    /// or at bytes that are no FLV (<see cref="Corruption"/>). Tags of unknown type are skipped.
    /// </summary>
    public bool TryReadTag(out FlvTag tag)
    {
        tag = default;
        if (!TryReadHeader())
        {
            return false;
        }
        while (true)
        {
            var start = _position;
            Truncated = false;
            if (!Ensure(start, TagHeaderLength))
            {
                return false;
            }
            var header = Bytes(start, TagHeaderLength);
            var type = header[0] & 0x1F;
            var filtered = (header[0] & 0x20) != 0;
            var size = (header[1] << 16) | (header[2] << 8) | header[3];
            var timestamp = (uint)((header[7] << 24) | (header[4] << 16) | (header[5] << 8) | header[6]);
            if (size > _maxTagSize)
            {
                Corruption = $"tag at {start} claims {size} bytes, over the cap of {_maxTagSize}";
                return false;
            }
            // The body and the PreviousTagSize after it: a tag whose size field is not yet on disk is
            // not complete (nginx-rtmp writes it last).
            if (!Ensure(start, TagHeaderLength + size + 4))
            {
                Truncated = true;
                return false;
            }
            _position = start + TagHeaderLength + size + 4;
            if (filtered || type is not ((int)FlvTagKind.Audio or (int)FlvTagKind.Video or (int)FlvTagKind.Script))
            {
                continue;
            }
            tag = Describe((FlvTagKind)type, start, timestamp, _block.AsMemory((int)(start - _blockStart) + TagHeaderLength, size));
            return true;
        }
    }

    /// <summary>Reads every remaining tag, stopping where <see cref="TryReadTag"/> stops.</summary>
    public IEnumerable<FlvTag> ReadTags()
    {
        while (TryReadTag(out var tag))
        {
            yield return tag;
        }
    }

    /// <summary>Fills in what a tag's first bytes say about its codec (FLV 10.1, E.4.2 and E.4.3).</summary>
    internal static FlvTag Describe(FlvTagKind kind, long offset, long timestamp, ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        switch (kind)
        {
            case FlvTagKind.Video when span.Length >= 1:
            {
                var frameType = span[0] >> 4;
                var codec = span[0] & 0x0F;
                var keyframe = frameType == 1;
                if ((codec == FlvTag.CodecAvc || codec == FlvTag.CodecHevc) && span.Length >= 5)
                {
                    var packetType = span[1];
                    // CompositionTime is a signed 24-bit big-endian integer.
                    var cts = (span[2] << 16) | (span[3] << 8) | span[4];
                    if ((cts & 0x800000) != 0)
                    {
                        cts |= unchecked((int)0xFF000000);
                    }
                    return new FlvTag(kind, offset, timestamp, packetType == 1 ? cts : 0, keyframe && packetType == 1,
                        packetType == 0, packetType == 2, codec, body, body[5..]);
                }
                return new FlvTag(kind, offset, timestamp, 0, keyframe && codec != FlvTag.CodecAvc && codec != FlvTag.CodecHevc,
                    false, false, codec, body, body[Math.Min(1, body.Length)..]);
            }
            case FlvTagKind.Audio when span.Length >= 1:
            {
                var format = span[0] >> 4;
                if (format == FlvTag.CodecAac && span.Length >= 2)
                {
                    return new FlvTag(kind, offset, timestamp, 0, false, span[1] == 0, false, format, body, body[2..]);
                }
                return new FlvTag(kind, offset, timestamp, 0, false, false, false, format, body, body[1..]);
            }
            default:
                return new FlvTag(kind, offset, timestamp, 0, false, false, false, 0, body, body);
        }
    }

    private ReadOnlySpan<byte> Bytes(long offset, int count) => _block.AsSpan((int)(offset - _blockStart), count);

    /// <summary>
    /// Makes the file's bytes [<paramref name="offset"/>, + <paramref name="count"/>) stand in the block,
    /// reading on from where the stream stands (a file still being written shows its new bytes here).
    /// False when the file ends first; with <see cref="Truncated"/> set when some of them were there.
    /// </summary>
    private bool Ensure(long offset, int count)
    {
        if (offset >= _blockStart && offset + count <= _blockStart + _blockLength)
        {
            return true;
        }
        if (offset >= _blockStart && offset <= _blockStart + _blockLength)
        {
            // Keep what is already read from the offset on, at the block's start.
            var keep = (int)(_blockStart + _blockLength - offset);
            if (count > _block.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(count, BlockLength));
                _block.AsSpan((int)(offset - _blockStart), keep).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_block);
                _block = larger;
            }
            else
            {
                _block.AsSpan((int)(offset - _blockStart), keep).CopyTo(_block);
            }
            _blockStart = offset;
            _blockLength = keep;
        }
        else
        {
            if (_stream.CanSeek)
            {
                _stream.Position = offset;
            }
            _blockStart = offset;
            _blockLength = 0;
            if (count > _block.Length)
            {
                ArrayPool<byte>.Shared.Return(_block);
                _block = ArrayPool<byte>.Shared.Rent(Math.Max(count, BlockLength));
            }
        }
        while (_blockLength < count)
        {
            var read = _stream.Read(_block.AsSpan(_blockLength));
            if (read == 0)
            {
                Truncated = _blockLength > 0;
                return false;
            }
            _blockLength += read;
        }
        return true;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
        if (_block.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _block = [];
        }
    }
}
