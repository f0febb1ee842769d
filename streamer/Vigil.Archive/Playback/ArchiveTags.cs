using System.Runtime.CompilerServices;
using Vigil.Archive.Media;
using Vigil.Archive.Store;

namespace Vigil.Archive.Playback;

/// <summary>A tag of a recording with its wall-clock time (the recording's start plus the tag's time).</summary>
public readonly record struct TimedTag(FlvTag Tag, long WallMs);

/// <summary>
/// The tags of a camera's recordings one after another, from the cut at FROM to the cut at TO: the
/// sequence headers of each file first (they lead every file nginx-rtmp writes), then its frames from
/// the keyframe the index names, with no frame before the first keyframe. In follow mode (timeshift)
/// it does not stop at the end: it waits for the file being recorded to grow and goes on into the next
/// one nginx-rtmp opens, until the camera has been silent for <see cref="IdleLimit"/>.
/// </summary>
public sealed class ArchiveTags
{
    /// <summary>How many of a file's first tags are read for its sequence headers.</summary>
    private const int HeaderScanTags = 64;

    private readonly LiveRecordings _live;

    public ArchiveTags(LiveRecordings live) => _live = live;

    /// <summary>How long a followed camera may send nothing before the stream ends.</summary>
    public TimeSpan IdleLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a followed file is looked at again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public async IAsyncEnumerable<TimedTag> ReadAsync(string camera, IReadOnlyList<Recording> recordings, long cutFrom, long cutTo, bool follow,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        var queue = new Queue<Recording>(recordings);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lastStart = long.MinValue;
        var keySeen = false;
        while (true)
        {
            if (queue.Count == 0)
            {
                if (!follow || await NextLiveAsync(camera, seen, lastStart, cancel).ConfigureAwait(false) is not { } next)
                {
                    yield break;
                }
                queue.Enqueue(next);
            }
            var recording = queue.Dequeue();
            seen.Add(recording.Path);
            lastStart = recording.StartMs;
            FlvReader reader;
            try
            {
                reader = FlvReader.Open(recording.Path);
            }
            catch (FileNotFoundException) when (recording.Live)
            {
                // Filed between listing and reading: it is in the archive under the same start.
                var filed = Path.ChangeExtension(_live.LayoutPathFor(recording), ".flv");
                if (!File.Exists(filed))
                {
                    continue;
                }
                reader = FlvReader.Open(filed);
            }
            using (reader)
            {
                // The file's sequence headers, then its frames from the keyframe for the cut. nginx-rtmp
                // writes each header as its stream's first frame arrives: the audio's may follow the
                // first video frames, so the file's first tags are all looked at.
                long firstMedia = -1, firstTag = -1;
                var looked = 0;
                while (looked++ < HeaderScanTags && reader.TryReadTag(out var head))
                {
                    firstTag = firstTag < 0 ? head.Offset : firstTag;
                    if (head.IsSequenceHeader)
                    {
                        yield return new TimedTag(head, recording.StartMs);
                    }
                    else if (head.Kind != FlvTagKind.Script && firstMedia < 0)
                    {
                        firstMedia = head.Offset;
                    }
                }
                if (firstMedia < 0 && !recording.Live)
                {
                    continue;
                }
                var seekTo = firstMedia >= 0 ? firstMedia : firstTag;
                if (cutFrom > recording.StartMs && recording.Index.KeyframeAtOrBefore(cutFrom) is { } key)
                {
                    seekTo = key.Offset;
                }
                else if (recording.Index.Keyframes.Count > 0)
                {
                    seekTo = recording.Index.Keyframes[0].Offset;
                }
                if (seekTo >= 0)
                {
                    reader.Seek(seekTo);
                }
                var idleSince = DateTime.UtcNow;
                while (true)
                {
                    while (reader.TryReadTag(out var tag))
                    {
                        idleSince = DateTime.UtcNow;
                        if (tag.Kind == FlvTagKind.Script || tag.IsEndOfSequence)
                        {
                            continue;
                        }
                        var wall = recording.StartMs + tag.TimestampMs;
                        if (tag.IsSequenceHeader)
                        {
                            yield return new TimedTag(tag, wall);
                            continue;
                        }
                        if (wall >= cutTo)
                        {
                            yield break;
                        }
                        if (tag.Kind == FlvTagKind.Video && !keySeen)
                        {
                            if (!tag.IsKeyframe)
                            {
                                continue;
                            }
                            keySeen = true;
                        }
                        if (wall < cutFrom || !keySeen && tag.Kind == FlvTagKind.Audio && reader.HasVideo)
                        {
                            continue;
                        }
                        yield return new TimedTag(tag, wall);
                    }
                    if (!follow || !recording.Live)
                    {
                        break;
                    }
                    // The end of the file being recorded: a newer file means this one is closed (cut by
                    // record_interval, or the publish ended and began again); read what is left, then go on.
                    if (_live.Current(camera) is { } newer && newer.Path != recording.Path && !seen.Contains(newer.Path) && newer.StartMs >= recording.StartMs)
                    {
                        while (reader.TryReadTag(out var rest))
                        {
                            var wall = recording.StartMs + rest.TimestampMs;
                            if (rest.Kind != FlvTagKind.Script && !rest.IsEndOfSequence && keySeen && wall >= cutFrom && wall < cutTo)
                            {
                                yield return new TimedTag(rest, wall);
                            }
                        }
                        queue.Enqueue(newer);
                        break;
                    }
                    if (DateTime.UtcNow - idleSince > IdleLimit)
                    {
                        yield break;
                    }
                    await Task.Delay(PollInterval, cancel).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<Recording?> NextLiveAsync(string camera, HashSet<string> seen, long lastStart, CancellationToken cancel)
    {
        var waitingSince = DateTime.UtcNow;
        while (DateTime.UtcNow - waitingSince <= IdleLimit)
        {
            if (_live.Current(camera) is { } live && !seen.Contains(live.Path) && live.StartMs >= lastStart)
            {
                return live;
            }
            await Task.Delay(PollInterval, cancel).ConfigureAwait(false);
        }
        return null;
    }
}
