namespace Vigil.Agent.Media;

/// <summary>
/// How many frames a stream may send ahead of one that is shown before them (B-frames), read from
/// its sequence parameter set: H.264's VUI max_num_reorder_frames (section E.2.1), or 0 where the
/// SPS rules reordering out; H.265's sps_max_num_reorder_pics (section 7.4.3.2.1). -1 when the SPS
/// does not say or cannot be read: then <see cref="DecodeTimeline"/> learns it from the frames' times.
/// </summary>
internal static class ReorderDepth
{
    public static int FromSps(ReadOnlySpan<byte> sps, bool hevc)
    {
        try
        {
            return hevc ? H265(sps) : H264(sps);
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    private static int H264(ReadOnlySpan<byte> nal)
    {
        var r = new NalBitReader(nal, 1);
        var profile = r.Bits(8);
        var constraints = r.Bits(8);
        r.Skip(8); // level
        if (profile is 66 || (constraints & 0x10) != 0 && profile is 44 or 86 or 100 or 110 or 122 or 244)
        {
            // Baseline has no B-frames; constraint_set3 on the intra and High profiles means no
            // reordering either (section A.2 and E.2.1's inferred value).
            return 0;
        }
        r.Ue(); // seq_parameter_set_id
        if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            if (r.Ue() == 3)
            {
                r.Skip(1); // separate_colour_plane_flag
            }
            r.Ue();
            r.Ue(); // bit depths
            r.Skip(1);
            if (r.Flag())
            {
                for (var i = 0; i < 8; i++)
                {
                    if (r.Flag())
                    {
                        SkipScalingList(ref r, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        r.Ue(); // log2_max_frame_num_minus4
        var pocType = r.Ue();
        if (pocType == 0)
        {
            r.Ue();
        }
        else if (pocType == 1)
        {
            r.Skip(1);
            r.Se();
            r.Se();
            var cycle = r.Ue();
            if (cycle > 255)
            {
                return -1;
            }
            for (var i = 0; i < cycle; i++)
            {
                r.Se();
            }
        }
        else
        {
            // Picture order type 2: output order is decoding order (section 8.2.1.3).
            return 0;
        }
        r.Ue(); // max_num_ref_frames
        r.Skip(1);
        r.Ue();
        r.Ue(); // size in macroblocks
        if (!r.Flag())
        {
            r.Skip(1); // mb_adaptive_frame_field_flag
        }
        r.Skip(1);
        if (r.Flag())
        {
            r.Ue();
            r.Ue();
            r.Ue();
            r.Ue(); // cropping
        }
        if (!r.Flag())
        {
            return -1; // no VUI
        }
        if (r.Flag() && r.Bits(8) == 255)
        {
            r.Skip(32); // extended sample aspect ratio
        }
        if (r.Flag())
        {
            r.Skip(1); // overscan
        }
        if (r.Flag())
        {
            r.Skip(4);
            if (r.Flag())
            {
                r.Skip(24); // colour description
            }
        }
        if (r.Flag())
        {
            r.Ue();
            r.Ue(); // chroma location
        }
        if (r.Flag())
        {
            r.Skip(65); // timing: num_units_in_tick, time_scale, fixed_frame_rate_flag
        }
        var nalHrd = r.Flag();
        if (nalHrd)
        {
            SkipHrd(ref r);
        }
        var vclHrd = r.Flag();
        if (vclHrd)
        {
            SkipHrd(ref r);
        }
        if (nalHrd || vclHrd)
        {
            r.Skip(1); // low_delay_hrd_flag
        }
        r.Skip(1); // pic_struct_present_flag
        if (!r.Flag())
        {
            return -1; // no bitstream restriction: the SPS does not say
        }
        r.Skip(1);
        r.Ue();
        r.Ue();
        r.Ue();
        r.Ue();
        var reorder = r.Ue();
        return reorder > DecodeTimeline.MaxDepth ? DecodeTimeline.MaxDepth : (int)reorder;
    }

    private static void SkipScalingList(ref NalBitReader r, int size)
    {
        int last = 8, next = 8;
        for (var j = 0; j < size && next != 0; j++)
        {
            next = (last + r.Se() + 256) % 256;
            last = next == 0 ? last : next;
        }
    }

    private static void SkipHrd(ref NalBitReader r)
    {
        var count = r.Ue() + 1;
        if (count > 32)
        {
            throw new FormatException("cpb_cnt_minus1 out of range");
        }
        r.Skip(8); // bit_rate_scale, cpb_size_scale
        for (var i = 0; i < count; i++)
        {
            r.Ue();
            r.Ue();
            r.Skip(1);
        }
        r.Skip(20); // four 5-bit lengths
    }

    private static int H265(ReadOnlySpan<byte> nal)
    {
        var r = new NalBitReader(nal, 2);
        r.Skip(4); // sps_video_parameter_set_id
        var subLayers = (int)r.Bits(3); // sps_max_sub_layers_minus1
        r.Skip(1);
        // profile_tier_level (section 7.3.3): the general part, then what each sub-layer carries.
        r.Skip(96);
        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (var i = 0; i < subLayers; i++)
        {
            profilePresent[i] = r.Flag();
            levelPresent[i] = r.Flag();
        }
        if (subLayers > 0)
        {
            r.Skip(2 * (8 - subLayers));
        }
        for (var i = 0; i < subLayers; i++)
        {
            r.Skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }
        r.Ue(); // sps_seq_parameter_set_id
        if (r.Ue() == 3)
        {
            r.Skip(1);
        }
        r.Ue();
        r.Ue(); // size
        if (r.Flag())
        {
            r.Ue();
            r.Ue();
            r.Ue();
            r.Ue(); // conformance window
        }
        r.Ue();
        r.Ue(); // bit depths
        r.Ue(); // log2_max_pic_order_cnt_lsb_minus4
        var perLayer = r.Flag();
        var reorder = 0u;
        for (var i = perLayer ? 0 : subLayers; i <= subLayers; i++)
        {
            r.Ue();
            reorder = r.Ue(); // the highest sub-layer's is the one that counts for the whole stream
            r.Ue();
        }
        return reorder > DecodeTimeline.MaxDepth ? DecodeTimeline.MaxDepth : (int)reorder;
    }
}
