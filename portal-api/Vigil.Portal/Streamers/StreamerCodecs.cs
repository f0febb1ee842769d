namespace Vigil.Portal.Streamers;

/// <summary>
/// Which video codecs a streamer can take from an agent, by its kind and its ingest's scheme. The
/// agent publishes H.264 over RTMP or RTSP, and H.265 over RTSP only (classic FLV has no H.265),
/// so H.265 goes to the kinds whose RTSP ingest (ANNOUNCE/RECORD) takes it: Flussonic and MediaMTX,
/// with an rtsp:// ingest address. nginx-rtmp takes RTMP only, so H.264 only; of a generic
/// streamer nothing more than H.264 is assumed.
/// </summary>
public static class StreamerCodecs
{
    public const string H264 = "h264";
    public const string H265 = "h265";

    /// <summary>A codec as an agent or an SDP names it ("H265", "HEVC"), in the portal's words.</summary>
    public static string Normalize(string codec) => codec.Trim().ToLowerInvariant() switch
    {
        "h265" or "hevc" or "h.265" => H265,
        "h264" or "avc" or "h.264" => H264,
        var other => other,
    };

    /// <summary>Whether the streamer takes this codec; an unknown (null) codec is taken to be H.264.</summary>
    public static bool Takes(Data.Streamer streamer, string? codec)
    {
        ArgumentNullException.ThrowIfNull(streamer);
        return (codec is null ? H264 : Normalize(codec)) switch
        {
            H264 => true,
            H265 => streamer.Kind is "flussonic" or "mediamtx" && streamer.IngestUrl.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }
}
