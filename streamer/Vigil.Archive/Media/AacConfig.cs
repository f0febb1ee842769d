namespace Vigil.Archive.Media;

/// <summary>
/// The part of an AAC AudioSpecificConfig (ISO/IEC 14496-3, 1.6.2.1) that an ADTS header repeats
/// before each frame: the object type (profile), the sampling frequency index and the channels.
/// </summary>
public sealed record AacConfig(int ObjectType, int FrequencyIndex, int Channels)
{
    public const int AdtsHeaderLength = 7;

    /// <summary>An ADTS frame is at most 13 bits long, header included.</summary>
    public const int MaxFrameLength = 8191 - AdtsHeaderLength;

    public static AacConfig? TryParse(ReadOnlySpan<byte> config)
    {
        if (config.Length < 2)
        {
            return null;
        }
        var objectType = config[0] >> 3;
        var frequency = ((config[0] & 0x07) << 1) | (config[1] >> 7);
        var channels = (config[1] >> 3) & 0x0F;
        // ADTS can carry only the first four object types and the table's frequencies.
        if (objectType is < 1 or > 4 || frequency > 12)
        {
            return null;
        }
        return new AacConfig(objectType, frequency, channels);
    }

    /// <summary>The ADTS header (ISO/IEC 14496-3, 1.A.2.2) of one raw frame of <paramref name="rawLength"/> bytes, no CRC.</summary>
    public void WriteAdtsHeader(Span<byte> to, int rawLength)
    {
        var frameLength = rawLength + AdtsHeaderLength;
        to[0] = 0xFF;
        to[1] = 0xF1;
        to[2] = (byte)((((ObjectType - 1) & 0x03) << 6) | ((FrequencyIndex & 0x0F) << 2) | ((Channels >> 2) & 0x01));
        to[3] = (byte)(((Channels & 0x03) << 6) | ((frameLength >> 11) & 0x03));
        to[4] = (byte)((frameLength >> 3) & 0xFF);
        to[5] = (byte)(((frameLength & 0x07) << 5) | 0x1F);
        to[6] = 0xFC;
    }
}
