namespace Vigil.Archive.Media;

/// <summary>
/// One FLV tag as <see cref="FlvReader"/> read it. <see cref="Body"/> and <see cref="Payload"/> point
/// into the reader's buffer and stay valid only until its next read: copy what must outlive it.
/// </summary>
/// <param name="Kind">Audio, video or script data.</param>
/// <param name="Offset">Where the tag's 11-byte header starts in the file: a keyframe index's seek target.</param>
/// <param name="TimestampMs">The tag's time in ms, the extended byte included (the DTS of a video frame).</param>
/// <param name="CompositionTimeMs">AVC/HEVC only: PTS minus DTS in ms (signed); 0 otherwise.</param>
/// <param name="IsKeyframe">A video tag whose frame type is 1 (a keyframe); false for audio and script.</param>
/// <param name="IsSequenceHeader">AVC/HEVC decoder configuration record or AAC AudioSpecificConfig.</param>
/// <param name="IsEndOfSequence">An AVC/HEVC end-of-sequence marker (packet type 2): no frame, a muxer skips it.</param>
/// <param name="CodecId">Video: CodecID (7 AVC, 12 HEVC); audio: SoundFormat (10 AAC, 2 MP3, 7/8 G.711); script: 0.</param>
/// <param name="Body">The tag's whole data (after the 11-byte tag header).</param>
/// <param name="Payload">The codec's bytes: AVC NAL units (4-byte lengths) or the record, raw AAC or its config, script AMF.</param>
public readonly record struct FlvTag(
    FlvTagKind Kind,
    long Offset,
    long TimestampMs,
    int CompositionTimeMs,
    bool IsKeyframe,
    bool IsSequenceHeader,
    bool IsEndOfSequence,
    int CodecId,
    ReadOnlyMemory<byte> Body,
    ReadOnlyMemory<byte> Payload)
{
    /// <summary>FLV video CodecID of H.264.</summary>
    public const int CodecAvc = 7;

    /// <summary>The CodecID that nginx-rtmp-like servers and ffmpeg's FLV muxer use for H.265.</summary>
    public const int CodecHevc = 12;

    /// <summary>FLV SoundFormat of AAC.</summary>
    public const int CodecAac = 10;

    /// <summary>The presentation time in ms (DTS plus composition offset).</summary>
    public long PresentationMs => TimestampMs + CompositionTimeMs;

    /// <summary>The tag's whole size on disk: header, body and the trailing PreviousTagSize.</summary>
    public int SizeOnDisk => FlvReader.TagHeaderLength + Body.Length + 4;
}
