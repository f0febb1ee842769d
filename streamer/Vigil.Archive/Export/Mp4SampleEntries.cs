namespace Vigil.Archive.Export;

/// <summary>The sample entries of stsd: avc1 with avcC (ISO/IEC 14496-15, 5.4.2.1) and mp4a with esds (ISO/IEC 14496-14, 5.6; 14496-1, 7.2.6).</summary>
public static class Mp4SampleEntries
{
    public static void Avc1(Mp4BoxWriter w, Mp4Track t)
    {
        w.Open("avc1");
        w.Zeros(6);
        w.U16(1); // data_reference_index
        w.Zeros(16); // pre_defined, reserved, pre_defined[3]
        w.U16(t.Width);
        w.U16(t.Height);
        w.U32(0x00480000); // 72 dpi
        w.U32(0x00480000);
        w.U32(0);
        w.U16(1); // frame_count
        w.Zeros(32); // compressorname
        w.U16(0x0018); // depth
        w.U16(0xFFFF); // pre_defined -1
        w.Open("avcC");
        w.Bytes(t.Config); // the AVCDecoderConfigurationRecord as the FLV's sequence header holds it
        w.Close();
        w.Close();
    }

    public static void Mp4a(Mp4BoxWriter w, Mp4Track t)
    {
        w.Open("mp4a");
        w.Zeros(6);
        w.U16(1);
        w.Zeros(8);
        w.U16(t.Channels);
        w.U16(16); // samplesize
        w.U16(0);
        w.U16(0);
        w.U32(t.Timescale <= ushort.MaxValue ? (uint)t.Timescale << 16 : 0);
        w.OpenFull("esds", 0, 0);
        var config = t.Config;
        // ES_Descriptor (tag 3): ES_ID, flags, then DecoderConfigDescriptor (tag 4) holding the
        // AudioSpecificConfig as DecoderSpecificInfo (tag 5), then SLConfigDescriptor (tag 6).
        var decoderSpecific = 2 + config.Length;
        var decoderConfig = 13 + decoderSpecific;
        var es = 3 + (2 + decoderConfig) + 3;
        Descriptor(w, 3, es);
        w.U16(0);
        w.U8(0);
        Descriptor(w, 4, decoderConfig);
        w.U8(0x40); // objectTypeIndication: MPEG-4 audio
        w.U8(0x15); // streamType audio (5) << 2 | upStream 0 | reserved 1
        w.U24(0); // bufferSizeDB
        w.U32(0); // maxBitrate
        w.U32(0); // avgBitrate
        Descriptor(w, 5, config.Length);
        w.Bytes(config);
        Descriptor(w, 6, 1);
        w.U8(2); // predefined: MP4
        w.Close();
        w.Close();
    }

    /// <summary>A descriptor's tag and length; the lengths here are below 128, one byte each (the config is capped at 64 bytes).</summary>
    private static void Descriptor(Mp4BoxWriter w, int tag, int length)
    {
        if (length > 127)
        {
            throw new InvalidOperationException("descriptor too long");
        }
        w.U8(tag);
        w.U8(length);
    }
}
