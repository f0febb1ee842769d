namespace Vigil.Stack;

/// <summary>
/// A streamer node's archive as nginx-rtmp's templates take it: the folder nginx-rtmp records into,
/// vigil-archive's address and the length of one recorded file (nginx's time syntax: 5m, 20s).
/// </summary>
public sealed record ArchiveRecording(string RecordDir, string ServiceUrl, string Interval = "5m");
