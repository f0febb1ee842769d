using System.Buffers;
using Vigil.Archive.Media;
using Vigil.Archive.Playback;

namespace Vigil.Archive.Export;

/// <summary>
/// A range of recorded tags as a progressive MP4, written straight from the FLV tags without
/// re-encoding: the AVC frames go into mdat as they are (length-prefixed NAL units, as avcC says), the
/// raw AAC frames likewise. Two passes over the same tags: the first only measures (sample sizes,
/// times, keyframes) into the sample tables, so that moov can come before mdat; the second writes the
/// header and copies the media through a fixed buffer. Memory is the sample tables and that buffer.
/// </summary>
public static class Mp4Export
{
    /// <summary>How much media is gathered before it is written on: large writes, bounded memory.</summary>
    private const int FlushBytes = 1024 * 1024;
    /// <summary>An AudioSpecificConfig is a few bytes; more is no AAC config.</summary>
    private const int MaxAudioConfig = 64;
    /// <summary>An AVCDecoderConfigurationRecord holds a few parameter sets; past this it is refused.</summary>
    private const int MaxVideoConfig = 4096;

    /// <summary>What the first pass learnt: the tracks' tables, the header before the media, the whole length.</summary>
    public sealed record Plan(IReadOnlyList<Mp4Track> Tracks, byte[] Header, long Payload, int Samples)
    {
        public long Length => Header.Length + Payload;
    }

    /// <summary>The first pass; null when the tags hold no frame of a codec an MP4 here carries (H.264, AAC).</summary>
    public static async Task<Plan?> PlanAsync(IAsyncEnumerable<TimedTag> tags, CancellationToken cancel)
    {
        var filter = new SampleFilter();
        Mp4Track? video = null;
        Mp4Track? audio = null;
        long payload = 0;
        var samples = 0;
        Mp4Track? last = null;
        await foreach (var (tag, wall) in tags.WithCancellation(cancel).ConfigureAwait(false))
        {
            if (!filter.Accept(tag))
            {
                continue;
            }
            var isVideo = tag.Kind == FlvTagKind.Video;
            var track = isVideo
                ? video ??= VideoTrack(filter.VideoConfig!)
                : audio ??= AudioTrack(filter.AudioConfig!);
            if (track is null)
            {
                continue;
            }
            track.Add(wall, isVideo ? tag.CompositionTimeMs : 0, tag.IsKeyframe, tag.Payload.Length, payload, newChunk: !ReferenceEquals(track, last));
            last = track;
            payload += tag.Payload.Length;
            samples++;
        }
        var tracks = new List<Mp4Track>();
        if (video is { Count: > 0 })
        {
            tracks.Add(video);
        }
        if (audio is { Count: > 0 })
        {
            tracks.Add(audio);
        }
        return tracks.Count == 0 ? null : new Plan(tracks, Mp4Header.Build(tracks, payload), payload, samples);
    }

    /// <summary>
    /// The second pass: the header, then each sample the first pass counted, in the same order. The tags
    /// must be the same run again; a sample whose size differs (a file changed between the passes) stops
    /// the export with an exception rather than a file whose tables lie. With <paramref name="range"/>
    /// only those bytes of the file are written (an HTTP Range): the samples before it are read and
    /// checked but not copied, and the pass stops once the range is written.
    /// </summary>
    public static async Task WriteAsync(Plan plan, IAsyncEnumerable<TimedTag> tags, Stream output, CancellationToken cancel, ByteRange? range = null)
    {
        var (first, end) = range is { } r ? (r.First, r.Last + 1) : (0L, plan.Length);
        if (first < 0 || end > plan.Length || end <= first)
        {
            throw new ArgumentOutOfRangeException(nameof(range), "the range lies outside the file");
        }
        var header = plan.Header.Length;
        if (first < header)
        {
            await output.WriteAsync(plan.Header.AsMemory((int)first, (int)(Math.Min(end, header) - first)), cancel).ConfigureAwait(false);
        }
        if (end <= header)
        {
            return;
        }
        // From here on, positions are within mdat's payload.
        var from = Math.Max(0, first - header);
        var to = end - header;
        var filter = new SampleFilter();
        var video = plan.Tracks.FirstOrDefault(t => t.IsVideo);
        var audio = plan.Tracks.FirstOrDefault(t => !t.IsVideo);
        int nextVideo = 0, nextAudio = 0, written = 0;
        long position = 0;
        // Two buffers: one is filled from the recording while the other is being written, so that reading
        // and copying overlap the writes (a file on disk, or a slow client) instead of waiting for them.
        var buffer = ArrayPool<byte>.Shared.Rent(FlushBytes);
        var spare = ArrayPool<byte>.Shared.Rent(FlushBytes);
        var used = 0;
        var pending = Task.CompletedTask;
        try
        {
            await foreach (var (tag, _) in tags.WithCancellation(cancel).ConfigureAwait(false))
            {
                if (written == plan.Samples || position >= to)
                {
                    break;
                }
                if (!filter.Accept(tag))
                {
                    continue;
                }
                var track = tag.Kind == FlvTagKind.Video ? video : audio;
                if (track is null)
                {
                    continue;
                }
                var next = track.IsVideo ? nextVideo++ : nextAudio++;
                if (next >= track.Count || track.Sizes[next] != tag.Payload.Length)
                {
                    throw new InvalidDataException("the recording changed while it was exported");
                }
                written++;
                var sampleStart = position;
                position += tag.Payload.Length;
                if (position <= from)
                {
                    continue;
                }
                // The part of this sample inside the range: all of it but at the range's two ends.
                var skip = (int)Math.Max(0, from - sampleStart);
                var payload = tag.Payload[skip..(int)(Math.Min(position, to) - sampleStart)];
                while (payload.Length > 0)
                {
                    var n = Math.Min(payload.Length, buffer.Length - used);
                    payload.Span[..n].CopyTo(buffer.AsSpan(used));
                    used += n;
                    payload = payload[n..];
                    if (used == buffer.Length)
                    {
                        await pending.ConfigureAwait(false);
                        pending = output.WriteAsync(buffer.AsMemory(0, used), cancel).AsTask();
                        (buffer, spare) = (spare, buffer);
                        used = 0;
                    }
                }
            }
            await pending.ConfigureAwait(false);
            if (used > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, used), cancel).ConfigureAwait(false);
            }
        }
        finally
        {
            // A write still under way holds one of the buffers: it is waited for before they go back.
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // Already reported by the await above, or the export is being abandoned.
            }
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(spare);
        }
        if (position < to)
        {
            throw new InvalidDataException("the recording ended before every sample was exported");
        }
    }

    private static Mp4Track? VideoTrack(byte[] config)
    {
        var avc = AvcConfig.TryParse(config);
        if (avc is null || avc.NalLengthSize != 4 && avc.NalLengthSize != 2 && avc.NalLengthSize != 1)
        {
            return null;
        }
        var size = avc.ParameterSets.Count > 0 ? AvcDimensions.TryRead(avc.ParameterSets[0]) : null;
        return new Mp4Track(1, video: true, 90_000, config) { Width = size?.Width ?? 0, Height = size?.Height ?? 0 };
    }

    private static Mp4Track? AudioTrack(byte[] config)
    {
        var rate = AacSampleRate(config, out var channels);
        return rate > 0 ? new Mp4Track(2, video: false, rate, config) { Channels = channels is > 0 and <= 8 ? channels : 2 } : null;
    }

    /// <summary>The sampling frequency of an AudioSpecificConfig (ISO/IEC 14496-3, 1.6.2.1): from the index table, or the explicit 24 bits.</summary>
    internal static int AacSampleRate(ReadOnlySpan<byte> config, out int channels)
    {
        ReadOnlySpan<int> rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
        channels = 0;
        if (config.Length < 2)
        {
            return 0;
        }
        var index = ((config[0] & 0x07) << 1) | (config[1] >> 7);
        if (index < rates.Length)
        {
            channels = (config[1] >> 3) & 0x0F;
            return rates[index];
        }
        if (index != 15 || config.Length < 5)
        {
            return 0;
        }
        // Five bits of object type, four of index, then 24 bits of frequency and four of channels.
        var bits = ((long)config[0] << 32) | ((long)config[1] << 24) | ((long)config[2] << 16) | ((long)config[3] << 8) | config[4];
        var rate = (int)((bits >> 7) & 0xFFFFFF);
        channels = (int)((bits >> 3) & 0x0F);
        return rate is >= 1000 and <= 192_000 ? rate : 0;
    }

    /// <summary>
    /// Which tags become samples, the same in both passes: H.264 frames once an AVC configuration has
    /// been seen, AAC frames once an AudioSpecificConfig has; the first configuration of each is the
    /// track's (one sample description per track). Sequence headers, script data and other codecs are no samples.
    /// </summary>
    private sealed class SampleFilter
    {
        public byte[]? VideoConfig { get; private set; }

        public byte[]? AudioConfig { get; private set; }

        public bool Accept(FlvTag tag)
        {
            if (tag.Kind == FlvTagKind.Video && tag.CodecId == FlvTag.CodecAvc)
            {
                if (tag.IsSequenceHeader)
                {
                    if (VideoConfig is null && tag.Payload.Length is > 6 and <= MaxVideoConfig)
                    {
                        VideoConfig = tag.Payload.ToArray();
                    }
                    return false;
                }
                return VideoConfig is not null && !tag.IsEndOfSequence && tag.Payload.Length > 0;
            }
            if (tag.Kind == FlvTagKind.Audio && tag.CodecId == FlvTag.CodecAac)
            {
                if (tag.IsSequenceHeader)
                {
                    if (AudioConfig is null && tag.Payload.Length is >= 2 and <= MaxAudioConfig)
                    {
                        AudioConfig = tag.Payload.ToArray();
                    }
                    return false;
                }
                return AudioConfig is not null && tag.Payload.Length > 0;
            }
            return false;
        }
    }
}
