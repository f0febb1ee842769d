using Vigil.Archive.Media;

namespace Vigil.Archive.Playback;

/// <summary>
/// Remuxes a run of recorded tags into MPEG-TS on the fly, sent as it is made: the range forms
/// (archive-FROM-DURATION.ts, each HLS segment) and the timeshift. Timestamps are the wall clock's
/// (<see cref="TsMuxer.ToTicks"/>), kept increasing where two files meet a millisecond out of step.
/// </summary>
public static class TsRangeWriter
{
    private const int FlushBytes = 128 * 1024;

    /// <summary>Writes the TS of <paramref name="tags"/> to <paramref name="output"/>; returns the number of video frames written.</summary>
    /// <param name="live">Send each frame as soon as it is made (a timeshift at the live edge), not in blocks.</param>
    public static async Task<int> WriteAsync(IAsyncEnumerable<TimedTag> tags, Stream output, bool live, CancellationToken cancel)
    {
        var flushAt = live ? 1 : FlushBytes;
        var muxer = new TsMuxer();
        var frames = 0;
        long lastVideoDts = long.MinValue;
        long lastAudio = long.MinValue;
        await foreach (var (tag, wall) in tags.WithCancellation(cancel).ConfigureAwait(false))
        {
            if (tag.IsSequenceHeader)
            {
                if (tag.Kind == FlvTagKind.Video && tag.CodecId == FlvTag.CodecAvc)
                {
                    muxer.SetVideoConfig(tag.Payload.Span);
                }
                else if (tag.Kind == FlvTagKind.Audio && tag.CodecId == FlvTag.CodecAac)
                {
                    muxer.SetAudioConfig(tag.Payload.Span);
                }
                continue;
            }
            if (tag.Kind == FlvTagKind.Video && tag.CodecId == FlvTag.CodecAvc)
            {
                var dts = Math.Max(wall, lastVideoDts == long.MinValue ? wall : lastVideoDts + 1);
                lastVideoDts = dts;
                muxer.WriteVideo(dts, dts + Math.Max(0, tag.CompositionTimeMs), tag.IsKeyframe, tag.Payload.Span);
                frames++;
            }
            else if (tag.Kind == FlvTagKind.Audio && tag.CodecId == FlvTag.CodecAac)
            {
                var pts = Math.Max(wall, lastAudio == long.MinValue ? wall : lastAudio + 1);
                lastAudio = pts;
                muxer.WriteAudio(pts, tag.Payload.Span);
            }
            if (muxer.Output.Length >= flushAt)
            {
                await output.WriteAsync(muxer.Output, cancel).ConfigureAwait(false);
                muxer.ClearOutput();
                await output.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        if (muxer.Output.Length > 0)
        {
            await output.WriteAsync(muxer.Output, cancel).ConfigureAwait(false);
            muxer.ClearOutput();
        }
        return frames;
    }
}
