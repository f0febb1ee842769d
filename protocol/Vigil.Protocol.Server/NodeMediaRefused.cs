namespace Vigil.Protocol.Server;

/// <summary>
/// POST /internal/v1/media-refused, from a relay node to the portal: the agent refused its
/// assignment for good (its camera's codec does not go into the streamer's ingest).
/// </summary>
/// <param name="Codec">As the camera's SDP names it ("H265").</param>
public sealed record NodeMediaRefused(string? DeviceId, string? Codec, string? Reason);
