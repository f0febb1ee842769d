using System.Buffers.Binary;

namespace Vigil.Archive.Export;

/// <summary>
/// Writes ISO BMFF boxes (ISO/IEC 14496-12, 4.2) big-endian into memory: a box is opened, filled,
/// and closed, which writes its 32-bit size. Used for ftyp and moov only, whose sizes are far below 4 GiB.
/// </summary>
public sealed class Mp4BoxWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly Stack<long> _open = new();

    public long Length => _buffer.Length;

    public void Open(string type)
    {
        _open.Push(_buffer.Length);
        U32(0);
        Type(type);
    }

    /// <summary>A full box: a box with a version and 24 bits of flags.</summary>
    public void OpenFull(string type, byte version, uint flags)
    {
        Open(type);
        U32(((uint)version << 24) | (flags & 0xFFFFFF));
    }

    public void Close()
    {
        var start = _open.Pop();
        var size = _buffer.Length - start;
        if (size > uint.MaxValue)
        {
            throw new InvalidOperationException("a box of the header over 4 GiB");
        }
        var end = _buffer.Position;
        _buffer.Position = start;
        U32((uint)size);
        _buffer.Position = end;
    }

    public void Type(string fourcc)
    {
        foreach (var c in fourcc)
        {
            _buffer.WriteByte((byte)c);
        }
    }

    public void U8(int value) => _buffer.WriteByte((byte)value);

    public void U16(int value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        _buffer.Write(b);
    }

    public void U24(int value)
    {
        U8(value >> 16);
        U16(value & 0xFFFF);
    }

    public void U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _buffer.Write(b);
    }

    public void I32(int value) => U32(unchecked((uint)value));

    public void U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        _buffer.Write(b);
    }

    public void Zeros(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _buffer.WriteByte(0);
        }
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    /// <summary>The unity matrix of tkhd and mvhd.</summary>
    public void Matrix()
    {
        foreach (var v in new uint[] { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000 })
        {
            U32(v);
        }
    }

    public byte[] ToArray() => _open.Count == 0 ? _buffer.ToArray() : throw new InvalidOperationException("a box is still open");
}
