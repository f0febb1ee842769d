using System.Buffers.Binary;
using System.Text;

namespace Vigil.Agent.Media;

/// <summary>AMF0 values (Adobe "Action Message Format AMF 0"), the few kinds RTMP commands use.</summary>
internal sealed class Amf0Writer
{
    private byte[] _buffer = new byte[512];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public Amf0Writer Number(double value)
    {
        var s = Reserve(9);
        s[0] = 0x00;
        BinaryPrimitives.WriteInt64BigEndian(s[1..], BitConverter.DoubleToInt64Bits(value));
        return this;
    }

    public Amf0Writer Boolean(bool value)
    {
        var s = Reserve(2);
        s[0] = 0x01;
        s[1] = value ? (byte)1 : (byte)0;
        return this;
    }

    public Amf0Writer String(string value)
    {
        Reserve(1)[0] = 0x02;
        return Key(value);
    }

    public Amf0Writer Null()
    {
        Reserve(1)[0] = 0x05;
        return this;
    }

    public Amf0Writer BeginObject()
    {
        Reserve(1)[0] = 0x03;
        return this;
    }

    /// <summary>A property name inside an object: a UTF-8 string without a type marker.</summary>
    public Amf0Writer Key(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var s = Reserve(2 + bytes.Length);
        BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)bytes.Length);
        bytes.CopyTo(s[2..]);
        return this;
    }

    public Amf0Writer EndObject()
    {
        var s = Reserve(3);
        s[0] = 0;
        s[1] = 0;
        s[2] = 0x09;
        return this;
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }
        var s = _buffer.AsSpan(Length, count);
        Length += count;
        return s;
    }
}

/// <summary>Reads AMF0 values from a command message; anything malformed makes a Try… method return false.</summary>
internal ref struct Amf0Reader(ReadOnlySpan<byte> data)
{
    private const int MaxDepth = 8;
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public bool TryString(out string value)
    {
        value = "";
        if (_pos >= _data.Length || _data[_pos] != 0x02)
        {
            return false;
        }
        _pos++;
        return TryKey(out value);
    }

    public bool TryNumber(out double value)
    {
        value = 0;
        if (_pos + 9 > _data.Length || _data[_pos] != 0x00)
        {
            return false;
        }
        value = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(_data[(_pos + 1)..]));
        _pos += 9;
        return true;
    }

    /// <summary>
    /// In the object that comes next, the string values of the named properties (null where absent);
    /// false when the next value is not an object.
    /// </summary>
    public bool TryObject(string name1, string name2, out string? value1, out string? value2)
    {
        value1 = value2 = null;
        if (_pos >= _data.Length || _data[_pos] is not (0x03 or 0x08))
        {
            return false;
        }
        _pos += _data[_pos] == 0x08 ? 5 : 1; // an ECMA array has a 32-bit count first
        while (true)
        {
            if (_pos + 3 <= _data.Length && _data[_pos] == 0 && _data[_pos + 1] == 0 && _data[_pos + 2] == 0x09)
            {
                _pos += 3;
                return true;
            }
            if (!TryKey(out var key))
            {
                return false;
            }
            if (_pos < _data.Length && _data[_pos] == 0x02 && (key == name1 || key == name2))
            {
                if (!TryString(out var text))
                {
                    return false;
                }
                if (key == name1)
                {
                    value1 = text;
                }
                else
                {
                    value2 = text;
                }
            }
            else if (!Skip(0))
            {
                return false;
            }
        }
    }

    /// <summary>Skips one value of any kind this reader knows.</summary>
    public bool Skip() => Skip(0);

    private bool Skip(int depth)
    {
        if (_pos >= _data.Length || depth > MaxDepth)
        {
            return false;
        }
        switch (_data[_pos])
        {
            case 0x00:
                return Advance(9);
            case 0x01:
                return Advance(2);
            case 0x02:
                _pos++;
                return TryKey(out _);
            case 0x05 or 0x06:
                return Advance(1);
            case 0x03 or 0x08:
                _pos += _data[_pos] == 0x08 ? 5 : 1;
                while (true)
                {
                    if (_pos + 3 <= _data.Length && _data[_pos] == 0 && _data[_pos + 1] == 0 && _data[_pos + 2] == 0x09)
                    {
                        _pos += 3;
                        return true;
                    }
                    if (!TryKey(out _) || !Skip(depth + 1))
                    {
                        return false;
                    }
                }
            case 0x0A:
                if (_pos + 5 > _data.Length)
                {
                    return false;
                }
                var count = BinaryPrimitives.ReadUInt32BigEndian(_data[(_pos + 1)..]);
                _pos += 5;
                for (var i = 0u; i < count; i++)
                {
                    if (!Skip(depth + 1))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    private bool Advance(int count)
    {
        _pos += count;
        return _pos <= _data.Length;
    }

    private bool TryKey(out string value)
    {
        value = "";
        if (_pos + 2 > _data.Length)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(_data[_pos..]);
        if (_pos + 2 + length > _data.Length)
        {
            return false;
        }
        value = Encoding.UTF8.GetString(_data.Slice(_pos + 2, length));
        _pos += 2 + length;
        return true;
    }
}
