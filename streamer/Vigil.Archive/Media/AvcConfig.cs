using System.Buffers.Binary;

namespace Vigil.Archive.Media;

/// <summary>
/// An AVCDecoderConfigurationRecord (ISO/IEC 14496-15, 5.2.4.1) as an FLV's AVC sequence header
/// carries it: the NAL length size and the SPS and PPS that an Annex-B stream repeats before each
/// keyframe. Lengths are checked against the record's own size.
/// </summary>
public sealed class AvcConfig
{
    private AvcConfig(int nalLengthSize, byte[][] parameterSets)
    {
        NalLengthSize = nalLengthSize;
        ParameterSets = parameterSets;
    }

    /// <summary>1, 2 or 4: the size of the length before each NAL unit in the FLV's frames.</summary>
    public int NalLengthSize { get; }

    /// <summary>Each SPS, then each PPS.</summary>
    public IReadOnlyList<byte[]> ParameterSets { get; }

    public static AvcConfig? TryParse(ReadOnlySpan<byte> record)
    {
        if (record.Length < 7 || record[0] != 1)
        {
            return null;
        }
        var nalLengthSize = (record[4] & 0x03) + 1;
        if (nalLengthSize == 3)
        {
            return null;
        }
        var sets = new List<byte[]>();
        var at = 5;
        for (var kind = 0; kind < 2; kind++)
        {
            if (at >= record.Length)
            {
                return null;
            }
            var count = kind == 0 ? record[at] & 0x1F : record[at];
            at++;
            for (var i = 0; i < count; i++)
            {
                if (at + 2 > record.Length)
                {
                    return null;
                }
                var length = BinaryPrimitives.ReadUInt16BigEndian(record[at..]);
                at += 2;
                if (length == 0 || at + length > record.Length)
                {
                    return null;
                }
                sets.Add(record.Slice(at, length).ToArray());
                at += length;
            }
        }
        return new AvcConfig(nalLengthSize, sets.ToArray());
    }
}
