using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Vigil.Agent.Media;

/// <summary>
/// The media path's counters, written by its two threads and read by the stats timer: what the
/// camera sends (bitrate, frame rate, keyframe interval), what was dropped, how often each side
/// reconnected, and the state of each side.
/// </summary>
internal sealed class MediaStats(MediaAssignment assignment)
{
    private readonly object _gate = new();
    private long _bytesIn;
    private long _framesIn;
    private long _videoFrames;
    private long _framesOut;
    private long _drops;
    private long _cameraReconnects;
    private long _streamerReconnects;
    private long _lastKeyUs = -1;
    private long _keyIntervalUs;
    private string _camera = "connecting";
    private string _streamer = "waiting";
    private string? _codecs;
    private string? _lastError;

    // The previous snapshot, for the rates.
    private long _snapshotTicks = Environment.TickCount64;
    private long _snapshotBytes;
    private long _snapshotVideo;
    private long _bitrateKbps;
    private long _fpsTenths;

    public MediaAssignment Assignment { get; } = assignment;

    public void FrameIn(MediaFrame frame)
    {
        Interlocked.Add(ref _bytesIn, frame.Length);
        Interlocked.Increment(ref _framesIn);
        if (frame.Format.IsVideo)
        {
            Interlocked.Increment(ref _videoFrames);
            if (frame.Key)
            {
                var last = Interlocked.Exchange(ref _lastKeyUs, frame.TimeUs);
                if (last >= 0 && frame.TimeUs > last)
                {
                    Interlocked.Exchange(ref _keyIntervalUs, frame.TimeUs - last);
                }
            }
        }
    }

    public void FrameOut() => Interlocked.Increment(ref _framesOut);

    public void Dropped(long count = 1) => Interlocked.Add(ref _drops, count);

    public void Camera(string state, string? codecs = null, string? error = null, bool reconnect = false)
    {
        lock (_gate)
        {
            _camera = state;
            _codecs = codecs ?? _codecs;
            _lastError = error ?? _lastError;
        }
        if (reconnect)
        {
            Interlocked.Increment(ref _cameraReconnects);
        }
    }

    /// <summary>The codec and reason of a refused assignment (see <see cref="CodecNotCarriedException"/>), or null.</summary>
    public (string Codec, string Reason)? Refusal { get; private set; }

    /// <summary>The assignment is refused for good: the streamer side says so, and the relay is told.</summary>
    public void Refuse(string codec, string reason)
    {
        Refusal = (codec, reason);
        Streamer("refused", $"streamer: {reason}");
    }

    public void Streamer(string state, string? error = null, bool reconnect = false)
    {
        lock (_gate)
        {
            _streamer = state;
            _lastError = error ?? _lastError;
        }
        if (reconnect)
        {
            Interlocked.Increment(ref _streamerReconnects);
        }
    }

    /// <summary>Takes the rates over the time since the last call.</summary>
    public void Sample()
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            var ms = Math.Max(1, now - _snapshotTicks);
            var bytes = Interlocked.Read(ref _bytesIn);
            var video = Interlocked.Read(ref _videoFrames);
            _bitrateKbps = (bytes - _snapshotBytes) * 8 / ms;
            _fpsTenths = ((video - _snapshotVideo) * 10_000 + ms / 2) / ms;
            _snapshotTicks = now;
            _snapshotBytes = bytes;
            _snapshotVideo = video;
        }
    }

    /// <summary>The stats control message's body (docs/protocol.md): one JSON object.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            var values = Values();
            for (var i = 0; i < Names.Length; i++)
            {
                if (i >= FirstNumber && i < LastNumber)
                {
                    w.WritePropertyName(Names[i]);
                    w.WriteRawValue(values[i], skipInputValidation: true);
                }
                else
                {
                    w.WriteString(Names[i], values[i]);
                }
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The same as "media_..." lines of the status file.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var values = Values();
        for (var i = 0; i < Names.Length; i++)
        {
            text.Append("media_").Append(Names[i]).Append('=').Append(values[i]).Append('\n');
        }
        return text.ToString();
    }

    private static readonly string[] Names =
    [
        "name", "source", "target", "camera", "streamer", "codecs",
        "bitrate_kbps", "fps", "keyframe_interval_s", "frames_in", "frames_out", "drops", "camera_reconnects", "streamer_reconnects",
        "last_error",
    ];

    private const int FirstNumber = 6;
    private const int LastNumber = 14;

    private string[] Values()
    {
        lock (_gate)
        {
            var a = Assignment;
            return
            [
                a.Name ?? "", a.Source.Masked, a.Target.Masked, _camera, _streamer, _codecs ?? "",
                Number(_bitrateKbps), Tenths(_fpsTenths), Tenths((Interlocked.Read(ref _keyIntervalUs) + 50_000) / 100_000),
                Number(Interlocked.Read(ref _framesIn)), Number(Interlocked.Read(ref _framesOut)), Number(Interlocked.Read(ref _drops)),
                Number(Interlocked.Read(ref _cameraReconnects)), Number(Interlocked.Read(ref _streamerReconnects)),
                _lastError ?? "",
            ];
        }
    }

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Tenths as "12.3", by hand: the floating-point formatter is not worth linking for this.</summary>
    private static string Tenths(long tenths) => $"{tenths / 10}.{tenths % 10}";
}
