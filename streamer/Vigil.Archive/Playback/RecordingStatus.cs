using System.Text.Json.Serialization;
using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>One run of recording without a gap, in Flussonic's shape: Unix seconds and seconds.</summary>
public sealed record RecordedRange([property: JsonPropertyName("from")] long From, [property: JsonPropertyName("duration")] long Duration);

/// <summary>A stream's entry of recording_status.json: [{"stream":"cam","ranges":[{"from":..,"duration":..}]}].</summary>
public sealed record StreamRecordingStatus([property: JsonPropertyName("stream")] string Stream, [property: JsonPropertyName("ranges")] IReadOnlyList<RecordedRange> Ranges);

[JsonSerializable(typeof(StreamRecordingStatus[]))]
[JsonSerializable(typeof(Retention.ArchivePolicyDocument))]
internal sealed partial class ArchiveJsonContext : JsonSerializerContext;

/// <summary>
/// The recorded ranges of a camera, with their gaps: the files of the archive and the one being
/// recorded, read from their index headers only, joined where one ends within a second of the next.
/// </summary>
public static class RecordingStatus
{
    /// <summary>Two recordings closer than this are one range (the cut of record_interval, not a gap).</summary>
    public const long JoinMs = LiveRecordings.StitchToleranceMs;

    public static List<RecordedRange> Ranges(ArchiveCatalog catalog, string camera, long fromMs, long toMs)
    {
        var spans = new List<(long Start, long End)>();
        foreach (var (path, start) in catalog.Layout.FilesStartingBetween(camera, fromMs, toMs))
        {
            if (ArchiveCatalog.LoadIndex(path, start) is { } index && index.EndMs > fromMs)
            {
                spans.Add((index.StartMs, index.EndMs));
            }
        }
        if (catalog.Live.Current(camera) is { } live && live.EndMs > fromMs && live.StartMs < toMs)
        {
            spans.Add((live.StartMs, live.EndMs));
        }
        spans.Sort();
        var ranges = new List<RecordedRange>();
        long runStart = -1, runEnd = -1;
        foreach (var (start, end) in spans)
        {
            if (runStart >= 0 && start - runEnd <= JoinMs)
            {
                runEnd = Math.Max(runEnd, end);
                continue;
            }
            if (runStart >= 0)
            {
                ranges.Add(ToRange(runStart, runEnd));
            }
            runStart = start;
            runEnd = end;
        }
        if (runStart >= 0)
        {
            ranges.Add(ToRange(runStart, runEnd));
        }
        return ranges;
    }

    private static RecordedRange ToRange(long startMs, long endMs) =>
        new(startMs / 1000, Math.Max(1, (endMs + 999) / 1000 - startMs / 1000));
}
