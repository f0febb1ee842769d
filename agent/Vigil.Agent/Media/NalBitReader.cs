namespace Vigil.Agent.Media;

/// <summary>
/// Reads the bits of a parameter set: its payload with the emulation prevention bytes taken out
/// (H.264 section 7.4.1, H.265 section 7.4.2), fixed-width fields and Exp-Golomb codes (H.264
/// section 9.1). Reading past the end throws <see cref="FormatException"/>, so that a truncated or
/// garbled parameter set reads as "unknown" rather than as a wrong number.
/// </summary>
internal ref struct NalBitReader
{
    private readonly byte[] _rbsp;
    private int _bit;

    /// <summary>The payload after the NAL header (<paramref name="headerLength"/> bytes: 1 for H.264, 2 for H.265).</summary>
    public NalBitReader(ReadOnlySpan<byte> nal, int headerLength)
    {
        var body = nal.Length > headerLength ? nal[headerLength..] : [];
        var rbsp = new byte[body.Length];
        var n = 0;
        var zeros = 0;
        foreach (var b in body)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            rbsp[n++] = b;
        }
        _rbsp = rbsp.AsSpan(0, n).ToArray(); // not rbsp[..n]: an array range links the runtime type loader (docs/performance.md)
        _bit = 0;
    }

    public uint Bits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            if (_bit >= _rbsp.Length * 8)
            {
                throw new FormatException("the parameter set ends early");
            }
            value = value << 1 | (uint)(_rbsp[_bit >> 3] >> (7 - (_bit & 7)) & 1);
            _bit++;
        }
        return value;
    }

    public bool Flag() => Bits(1) == 1;

    public void Skip(int count)
    {
        for (; count > 24; count -= 24)
        {
            Bits(24);
        }
        Bits(count);
    }

    /// <summary>ue(v): unsigned Exp-Golomb; more than 31 leading zeros is no valid code.</summary>
    public uint Ue()
    {
        var zeros = 0;
        while (!Flag())
        {
            if (++zeros > 31)
            {
                throw new FormatException("an Exp-Golomb code longer than 32 bits");
            }
        }
        return (uint)((1L << zeros) - 1 + Bits(zeros));
    }

    /// <summary>se(v): signed Exp-Golomb.</summary>
    public int Se()
    {
        var k = Ue();
        return (k & 1) == 1 ? (int)((k + 1) / 2) : -(int)(k / 2);
    }
}
