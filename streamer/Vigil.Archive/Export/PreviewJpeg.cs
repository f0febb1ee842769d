using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Vigil.Archive.Media;
using Vigil.Archive.Playback;
using Vigil.Archive.Store;

namespace Vigil.Archive.Export;

/// <summary>
/// /CAMERA/FROM-preview.jpg: a small picture of the moment for the timeline, the keyframe at or
/// before FROM decoded by ffmpeg (a process of its own: a decoder in this service would be the
/// attack surface of every camera's bitstream). Bounded: at most <see cref="MaxDecoders"/> ffmpeg at
/// once, each killed after <see cref="DecodeLimit"/>, its output capped; answers are cached by the
/// keyframe they show (scrubbing asks for many moments of one keyframe), at most <see cref="MaxCached"/>.
/// </summary>
public sealed class PreviewJpeg(ArchiveCatalog catalog, ArchiveTags tags, ArchiveOptions options)
{
    public const int MaxDecoders = 2;
    public const int MaxCached = 512;
    public const int MaxJpegBytes = 512 * 1024;
    public static readonly TimeSpan DecodeLimit = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _decoders = new(MaxDecoders);
    private readonly ConcurrentDictionary<(string Camera, long KeyMs), byte[]> _cache = new();
    private readonly ConcurrentQueue<(string Camera, long KeyMs)> _order = new();

    /// <summary>Answers the picture of the moment; false, having sent nothing, when no picture is recorded there.</summary>
    public async Task<bool> ServeAsync(HttpContext http, ArchiveRequest request)
    {
        var cancel = http.RequestAborted;
        var recordings = catalog.Find(request.Camera, request.FromMs, request.FromMs + 1);
        var key = ArchiveCatalog.CutAt(recordings, request.FromMs);
        byte[]? jpeg = null;
        if (recordings.Count > 0 && !_cache.TryGetValue((request.Camera, key), out jpeg))
        {
            jpeg = await DecodeAsync(request.Camera, recordings, key, cancel).ConfigureAwait(false);
            if (jpeg is not null)
            {
                Remember((request.Camera, key), jpeg);
            }
        }
        if (jpeg is null)
        {
            return false;
        }
        http.Response.ContentType = "image/jpeg";
        http.Response.ContentLength = jpeg.Length;
        // The archive of a past moment does not change: a browser may keep it.
        http.Response.Headers.CacheControl = "private, max-age=3600";
        await http.Response.Body.WriteAsync(jpeg, cancel).ConfigureAwait(false);
        return true;
    }

    private void Remember((string, long) key, byte[] jpeg)
    {
        if (_cache.TryAdd(key, jpeg))
        {
            _order.Enqueue(key);
        }
        while (_cache.Count > MaxCached && _order.TryDequeue(out var oldest))
        {
            _cache.TryRemove(oldest, out _);
        }
    }

    /// <summary>The keyframe at <paramref name="keyMs"/> (with its sequence headers) as MPEG-TS into ffmpeg, one JPEG out; null if none decodes.</summary>
    private async Task<byte[]?> DecodeAsync(string camera, IReadOnlyList<Store.Recording> recordings, long keyMs, CancellationToken cancel)
    {
        await _decoders.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            limit.CancelAfter(DecodeLimit);
            var info = new ProcessStartInfo(options.FfmpegPath)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
                     {
                         "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "mpegts", "-i", "pipe:0", "-frames:v", "1",
                         "-vf", string.Create(CultureInfo.InvariantCulture, $"scale={options.PreviewWidth}:-2"), "-q:v", "5", "-f", "image2", "-c:v", "mjpeg", "pipe:1",
                     })
            {
                info.ArgumentList.Add(a);
            }
            using var ffmpeg = Process.Start(info) ?? throw new InvalidOperationException("could not start " + options.FfmpegPath);
            try
            {
                var drainErrors = ffmpeg.StandardError.BaseStream.CopyToAsync(Stream.Null, limit.Token);
                var output = ReadCappedAsync(ffmpeg.StandardOutput.BaseStream, limit.Token);
                try
                {
                    await TsRangeWriter.WriteAsync(OneKeyframe(tags.ReadAsync(camera, recordings, keyMs, long.MaxValue, follow: false, limit.Token)),
                        ffmpeg.StandardInput.BaseStream, live: false, limit.Token).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // ffmpeg closed its input early: it has what it needs, or it will say so by its exit.
                }
                ffmpeg.StandardInput.Close();
                var jpeg = await output.ConfigureAwait(false);
                await ffmpeg.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                await drainErrors.ConfigureAwait(false);
                return ffmpeg.ExitCode == 0 && jpeg.Length > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8 ? jpeg : null;
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                return null; // past the decode limit
            }
            finally
            {
                if (!ffmpeg.HasExited)
                {
                    ffmpeg.Kill();
                }
            }
        }
        finally
        {
            _decoders.Release();
        }
    }

    /// <summary>The sequence headers and the first video keyframe, then a few frames more so that a decoder with delay outputs it.</summary>
    private static async IAsyncEnumerable<TimedTag> OneKeyframe(IAsyncEnumerable<TimedTag> tags)
    {
        var frames = 0;
        await foreach (var timed in tags.ConfigureAwait(false))
        {
            if (timed.Tag.Kind == FlvTagKind.Video && !timed.Tag.IsSequenceHeader && ++frames > 3)
            {
                yield break;
            }
            yield return timed;
        }
    }

    private static async Task<byte[]> ReadCappedAsync(Stream from, CancellationToken cancel)
    {
        using var into = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
        {
            if (into.Length + read > MaxJpegBytes)
            {
                throw new InvalidDataException("the preview came out larger than any small picture");
            }
            into.Write(buffer, 0, read);
        }
        return into.ToArray();
    }
}
