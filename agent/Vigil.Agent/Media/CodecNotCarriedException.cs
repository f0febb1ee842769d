namespace Vigil.Agent.Media;

/// <summary>
/// The assignment asks for something that cannot work however often it is tried: the camera's
/// video codec does not go into the streamer's ingest (H.265 into classic RTMP). The pipeline
/// refuses the assignment once, with this reason in its status and stats, instead of retrying.
/// </summary>
internal sealed class CodecNotCarriedException(string codec, string message) : Exception(message)
{
    /// <summary>The codec as the camera's SDP names it ("H265").</summary>
    public string Codec { get; } = codec;
}
