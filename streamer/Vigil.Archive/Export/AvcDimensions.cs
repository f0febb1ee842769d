using Vigil.Agent.Media;

namespace Vigil.Archive.Export;

/// <summary>
/// The picture size an H.264 sequence parameter set says (ITU-T H.264, 7.3.2.1.1, with the frame
/// cropping of 7.4.2.1.1), which an MP4's tkhd and avc1 entry state. Only the fields before the size
/// are walked; a set that ends early or holds no valid code gives null, never an exception or a guess.
/// </summary>
public static class AvcDimensions
{
    /// <summary>Width and height in pixels of the SPS NAL unit <paramref name="sps"/> (its header byte included), or null.</summary>
    public static (int Width, int Height)? TryRead(ReadOnlySpan<byte> sps)
    {
        if (sps.Length < 4 || (sps[0] & 0x1F) != 7)
        {
            return null;
        }
        try
        {
            return Read(sps);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static (int Width, int Height)? Read(ReadOnlySpan<byte> sps)
    {
        // The reader the agent reads its cameras' parameter sets with: emulation prevention removed, a read past the end throws.
        var bits = new NalBitReader(sps, 1);
        var profile = bits.Bits(8);
        bits.Bits(16); // constraint flags, reserved bits, level_idc
        bits.Ue(); // seq_parameter_set_id
        var chromaFormat = 1;
        var separateColourPlanes = false;
        if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            chromaFormat = (int)bits.Ue();
            if (chromaFormat == 3)
            {
                separateColourPlanes = bits.Bits(1) == 1;
            }
            bits.Ue(); // bit_depth_luma_minus8
            bits.Ue(); // bit_depth_chroma_minus8
            bits.Bits(1); // qpprime_y_zero_transform_bypass_flag
            if (bits.Bits(1) == 1)
            {
                for (var i = 0; i < (chromaFormat != 3 ? 8 : 12); i++)
                {
                    if (bits.Bits(1) == 1)
                    {
                        SkipScalingList(ref bits, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        bits.Ue(); // log2_max_frame_num_minus4
        var pocType = bits.Ue();
        if (pocType == 0)
        {
            bits.Ue(); // log2_max_pic_order_cnt_lsb_minus4
        }
        else if (pocType == 1)
        {
            bits.Bits(1);
            bits.Se();
            bits.Se();
            var cycle = bits.Ue();
            if (cycle > 255)
            {
                return null;
            }
            for (var i = 0u; i < cycle; i++)
            {
                bits.Se();
            }
        }
        bits.Ue(); // max_num_ref_frames
        bits.Bits(1); // gaps_in_frame_num_value_allowed_flag
        var widthMbs = bits.Ue() + 1;
        var heightUnits = bits.Ue() + 1;
        var frameMbsOnly = bits.Bits(1);
        if (frameMbsOnly == 0)
        {
            bits.Bits(1); // mb_adaptive_frame_field_flag
        }
        bits.Bits(1); // direct_8x8_inference_flag
        long cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (bits.Bits(1) == 1)
        {
            cropLeft = bits.Ue();
            cropRight = bits.Ue();
            cropTop = bits.Ue();
            cropBottom = bits.Ue();
        }
        if (widthMbs > 1024 || heightUnits > 1024)
        {
            return null;
        }
        // Table 6-1: the crop unit follows the chroma subsampling.
        var arrayType = separateColourPlanes ? 0 : chromaFormat;
        var cropX = arrayType is 1 or 2 ? 2 : 1;
        var cropY = (arrayType == 1 ? 2 : 1) * (2 - frameMbsOnly);
        var width = widthMbs * 16 - cropX * (cropLeft + cropRight);
        var height = (2 - frameMbsOnly) * heightUnits * 16 - cropY * (cropTop + cropBottom);
        return width is > 0 and <= 16384 && height is > 0 and <= 16384 ? ((int)width, (int)height) : null;
    }

    private static void SkipScalingList(ref NalBitReader bits, int size)
    {
        long last = 8, next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
            {
                next = (last + bits.Se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }
}
