using System.Net.Sockets;

namespace Vigil.Agent.Media;

/// <summary>
/// Camera to streamer: one thread pulls the camera's RTSP stream and turns it into frames, another
/// publishes them, with a bounded queue between. Each side reconnects on its own with backoff, so a
/// streamer restart does not touch the camera session and a camera reconnect does not touch the
/// streamer's; the frames' times continue across a camera reconnect, so the published stream does not jump back.
/// </summary>
internal sealed class MediaPipeline : IFrameSink
{
    /// <summary>The largest frame forwarded; a larger one is dropped and the next keyframe awaited.</summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    private const int QueueBytes = 6 * 1024 * 1024;
    private const int QueueFrames = 1024;
    private const int StableMs = 30_000;
    private static readonly TimeSpan BackoffMin = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BackoffMax = TimeSpan.FromSeconds(30);

    private readonly MediaAssignment _assignment;
    private readonly CancellationTokenSource _stop = new();
    private readonly FrameQueue _queue = new(QueueBytes, QueueFrames);
    private readonly RtspSource _source;
    private Publisher? _publisher;
    private Thread? _pullThread;
    private Thread? _publishThread;

    // Kept by the pulling thread.
    private readonly MediaTimeline _timeline = new();
    private StreamInfo? _stream;

    public MediaPipeline(MediaAssignment assignment)
    {
        _assignment = assignment;
        _source = new RtspSource(assignment.Source, MaxFrameBytes);
        Stats = new MediaStats(assignment);
    }

    public MediaStats Stats { get; }

    /// <summary>Called (on the publishing thread) once the assignment is refused, so that the relay hears it at once.</summary>
    public Action? Refused { get; set; }

    public void Start()
    {
        Log.Info($"media: {_assignment.Source.Masked} -> {_assignment.Target.Masked}{(_assignment.Name is null ? "" : $" ({_assignment.Name})")}");
        _pullThread = new Thread(PullLoop) { IsBackground = true, Name = "media-pull" };
        _publishThread = new Thread(PublishLoop) { IsBackground = true, Name = "media-publish" };
        _pullThread.Start();
        _publishThread.Start();
    }

    /// <summary>Stops both sides: closes their connections under them and waits for the threads.</summary>
    public void Stop()
    {
        // Each side notices within half a second and says goodbye (TEARDOWN); whatever is stuck
        // after that has its connection closed under it.
        _stop.Cancel();
        _queue.Accept(false);
        if (_pullThread?.Join(1500) == false)
        {
            _source.Close();
        }
        if (_publishThread?.Join(1500) == false)
        {
            Volatile.Read(ref _publisher)?.Dispose();
        }
        _pullThread?.Join(5000);
        _publishThread?.Join(5000);
        Log.Info($"media: stopped {_assignment.Source.Masked}");
    }

    private void PullLoop()
    {
        var ct = _stop.Token;
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            var started = Environment.TickCount64;
            try
            {
                _source.Run(OnStarted, this, ct);
            }
            catch (Exception e) when (IsFailure(e))
            {
                if (!ct.IsCancellationRequested)
                {
                    Log.Warn($"camera {_assignment.Source.Masked}: {Reason(e)}");
                    Stats.Camera("reconnecting", error: $"camera: {Reason(e)}", reconnect: true);
                }
            }
            if (ct.IsCancellationRequested)
            {
                break;
            }
            Pause(ref attempt, started, "camera: connecting again", ct);
        }
    }

    /// <summary>The backoff before a side tries again; a side that ran for a stable while starts the series over.</summary>
    private static void Pause(ref int attempt, long started, string what, CancellationToken ct)
    {
        if (Environment.TickCount64 - started >= StableMs)
        {
            attempt = 0;
        }
        var delay = Backoff.FullJitter(attempt++, BackoffMin, BackoffMax);
        Log.Info($"{what} in {AgentRunner.Tenths(delay)} s");
        ct.WaitHandle.WaitOne(delay);
    }

    private void OnStarted(StreamInfo stream, long[] rtpInfo)
    {
        _stream = stream;
        _timeline.Start(stream, rtpInfo, Environment.TickCount64);
        Stats.Camera("playing", RtspSource.Describe(stream));
    }

    public void OnFrame(int track, uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data)
    {
        var us = _timeline.TimeUs(track, rtpTimestamp, Environment.TickCount64);
        var frame = new MediaFrame(_stream!, track, us, keyframe, prefix.Length + data.Length);
        prefix.CopyTo(frame.Data);
        data.CopyTo(frame.Data.AsSpan(prefix.Length));
        Stats.FrameIn(frame);
        _queue.Add(frame);
    }

    public void OnDrop(int track) => Stats.Dropped();

    private void PublishLoop()
    {
        var ct = _stop.Token;
        var attempt = 0;
        var queueDrops = 0L;
        while (!ct.IsCancellationRequested)
        {
            _queue.Accept(true);
            Stats.Streamer("waiting for a keyframe");
            var first = WaitForStart(ct);
            if (first is null)
            {
                break;
            }
            var publisher = Publisher.For(_assignment.Target);
            Volatile.Write(ref _publisher, publisher);
            var started = Environment.TickCount64;
            var changed = false;
            var refused = false;
            MediaFrame? frame = first;
            try
            {
                Stats.Streamer("connecting");
                publisher.Open(first, ct);
                Log.Info($"streamer: publishing to {_assignment.Target.Masked} ({RtspSource.Describe(first.Stream)})");
                Stats.Streamer("publishing");
                var stream = first.Stream;
                while (!ct.IsCancellationRequested)
                {
                    if (frame is not null)
                    {
                        if (frame.Stream != stream)
                        {
                            if (!frame.Stream.SameFormat(stream))
                            {
                                Log.Info("streamer: the camera's tracks changed; publishing again");
                                changed = true;
                                break;
                            }
                            stream = frame.Stream;
                        }
                        publisher.Write(frame);
                        Stats.FrameOut();
                        frame.Release();
                        frame = null;
                    }
                    publisher.Service();
                    frame = _queue.Take(500);
                    var drops = _queue.Drops;
                    if (drops != queueDrops)
                    {
                        Stats.Dropped(drops - queueDrops);
                        queueDrops = drops;
                    }
                }
            }
            catch (CodecNotCarriedException e)
            {
                // Trying again cannot help: say so once, and stop pulling the camera for nothing.
                Log.Warn($"streamer {_assignment.Target.Masked}: assignment refused: {e.Message}");
                Stats.Refuse(e.Codec, e.Message);
                Refused?.Invoke();
                refused = true;
            }
            catch (Exception e) when (IsFailure(e))
            {
                if (!ct.IsCancellationRequested)
                {
                    Log.Warn($"streamer {_assignment.Target.Masked}: {Reason(e)}");
                    Stats.Streamer("reconnecting", $"streamer: {Reason(e)}", reconnect: true);
                }
            }
            finally
            {
                frame?.Release();
                Volatile.Write(ref _publisher, null);
                if (ct.IsCancellationRequested)
                {
                    publisher.Close();
                }
                publisher.Dispose();
            }
            if (refused)
            {
                _queue.Accept(false);
                _stop.Cancel();
                Stats.Camera("stopped");
                break;
            }
            if (ct.IsCancellationRequested)
            {
                break;
            }
            _queue.Accept(false);
            if (!changed)
            {
                Pause(ref attempt, started, "streamer: publishing again", ct);
            }
        }
    }

    /// <summary>The frame to start publishing with: a video keyframe (any frame when there is no video).</summary>
    private MediaFrame? WaitForStart(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var frame = _queue.Take(500);
            if (frame is null)
            {
                continue;
            }
            if (frame.IsVideoKey || !frame.Stream.HasVideo)
            {
                return frame;
            }
            frame.Release();
        }
        return null;
    }

    private static bool IsFailure(Exception e) =>
        e is MediaException or IOException or SocketException or TimeoutException or ObjectDisposedException or OperationCanceledException;

    private static string Reason(Exception e) => e switch
    {
        TimeoutException => "timed out",
        ObjectDisposedException => "connection closed",
        _ => e.Message,
    };
}
