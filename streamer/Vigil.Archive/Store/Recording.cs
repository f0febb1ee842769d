namespace Vigil.Archive.Store;

/// <summary>One recording of a camera: a filed file of the archive, or the one nginx-rtmp is still writing.</summary>
public sealed record Recording(string Camera, string Path, RecordingIndex Index, bool Live)
{
    public long StartMs => Index.StartMs;

    public long EndMs => Index.EndMs;
}
