using System.Text;

namespace Vigil.Agent.Media;

/// <summary>A failure of the media path that a log line explains: the pipeline reconnects after it.</summary>
internal sealed class MediaException(string message) : Exception(message);

/// <summary>
/// One RTSP connection over TCP, as both the camera client and the RECORD publisher use it:
/// requests with CSeq, authentication and session, and a reader that splits what comes back into
/// responses and interleaved frames (RFC 2326 section 10.12), skipping garbage.
/// </summary>
internal sealed class RtspConnection : IDisposable
{
    public const int ConnectTimeoutMs = 10_000;
    public const int ResponseTimeoutMs = 10_000;

    /// <summary>Bytes of garbage in a row after which the peer is not speaking RTSP at all.</summary>
    private const int MaxGarbageRun = 1024 * 1024;

    /// <summary>Interleaved bytes kept while a response is awaited, at most.</summary>
    private const int MaxEarlyBytes = 1024 * 1024;

    private readonly TcpConnection _tcp;
    private readonly byte[] _buffer = new byte[RtspParser.MaxItemBytes + 16 * 1024];
    private int _start;
    private int _end;
    private int _cseq;
    private int _garbageRun;

    // Frames that came before the response being waited for: a server may start streaming before
    // it answers PLAY (GStreamer does for a shared stream); they are handed out first afterwards.
    private readonly Queue<byte[]> _early = new();
    private int _earlyBytes;
    private byte[]? _current;

    /// <summary>Where the last interleaved frame read off the wire began, for <see cref="Reject"/>; -1 for none.</summary>
    private int _lastFrame = -1;

    private RtspConnection(TcpConnection tcp, MediaUrl url)
    {
        _tcp = tcp;
        Url = url;
    }

    /// <summary>Where this connection goes; its user and password answer a 401.</summary>
    public MediaUrl Url { get; }

    public RtspAuth? Auth { get; private set; }

    /// <summary>The session id from SETUP, sent with every later request.</summary>
    public string? Session { get; set; }

    /// <summary>Bytes skipped because they started no RTSP item.</summary>
    public long GarbageBytes { get; private set; }

    /// <summary>Interleaved frames that were not RTP or RTCP.</summary>
    public long BadFrames { get; private set; }

    public static RtspConnection Open(MediaUrl url, CancellationToken ct)
    {
        var tcp = TcpConnection.ConnectAny(HostResolver.Resolve(url.Host), url.Port, ConnectTimeoutMs, ct);
        return new RtspConnection(tcp, url);
    }

    /// <summary>
    /// Sends a request and waits for its response. A 401 is answered once per fresh challenge with
    /// the URL's credentials; the last response is returned whatever its status.
    /// </summary>
    public RtspMessage Request(string method, string uri, string? headers = null, string? contentType = null, byte[]? body = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var cseq = ++_cseq;
            var head = new StringBuilder(256)
                .Append(method).Append(' ').Append(uri).Append(" RTSP/1.0\r\nCSeq: ").Append(cseq)
                .Append("\r\nUser-Agent: vigil-agent/").Append(AgentInfo.Version).Append("\r\n");
            if (Auth is not null)
            {
                head.Append(Auth.Header(method, uri));
            }
            if (Session is not null)
            {
                head.Append("Session: ").Append(Session).Append("\r\n");
            }
            head.Append(headers);
            if (body is not null)
            {
                head.Append("Content-Type: ").Append(contentType).Append("\r\nContent-Length: ").Append(body.Length).Append("\r\n");
            }
            head.Append("\r\n");
            var bytes = Encoding.UTF8.GetBytes(head.ToString());
            _tcp.Send(bytes);
            if (body is not null)
            {
                _tcp.Send(body);
            }
            var response = ReadResponse(cseq, method);
            if (response.StatusCode == 401 && attempt < 3 && Url.User is not null)
            {
                Auth ??= new RtspAuth(Url.User, Url.Password ?? "");
                if (Auth.Challenge(response))
                {
                    continue;
                }
            }
            return response;
        }
    }

    /// <summary>Sends a request without waiting for its answer (keep-alives while streaming, TEARDOWN).</summary>
    public void Send(string method, string uri)
    {
        var head = new StringBuilder(256)
            .Append(method).Append(' ').Append(uri).Append(" RTSP/1.0\r\nCSeq: ").Append(++_cseq)
            .Append("\r\nUser-Agent: vigil-agent/").Append(AgentInfo.Version).Append("\r\n");
        if (Auth is not null)
        {
            head.Append(Auth.Header(method, uri));
        }
        if (Session is not null)
        {
            head.Append("Session: ").Append(Session).Append("\r\n");
        }
        _tcp.Send(Encoding.UTF8.GetBytes(head.Append("\r\n").ToString()));
    }

    public void SendRaw(ReadOnlySpan<byte> data) => _tcp.Send(data);

    /// <summary>A send that cannot go on for this long fails: a peer that stopped reading.</summary>
    public void SetSendTimeout(int milliseconds) => _tcp.SetSendTimeout(milliseconds);

    /// <summary>Whether something arrived (or the peer closed) within the time.</summary>
    public bool Readable(int timeoutMs) => _end > _start || _tcp.Readable(timeoutMs);

    private RtspMessage ReadResponse(int cseq, string method)
    {
        var deadline = Environment.TickCount64 + ResponseTimeoutMs;
        while (true)
        {
            var left = (int)Math.Max(1, deadline - Environment.TickCount64);
            RtspMessage? message;
            try
            {
                var item = Read(left, out var channel, out var payload, out message);
                if (item == RtspItem.Interleaved && _earlyBytes + payload.Length <= MaxEarlyBytes)
                {
                    var frame = new byte[1 + payload.Length];
                    frame[0] = (byte)channel;
                    payload.CopyTo(frame.AsSpan(1));
                    _early.Enqueue(frame);
                    _earlyBytes += frame.Length;
                }
                if (item != RtspItem.Message)
                {
                    continue;
                }
            }
            catch (TimeoutException)
            {
                throw new MediaException($"no answer to {method} within {ResponseTimeoutMs / 1000} s");
            }
            if (message!.StatusCode == 0)
            {
                AnswerRequest(message);
            }
            else if (message.CSeq == cseq || message.CSeq < 0)
            {
                return message;
            }
        }
    }

    /// <summary>A server may send requests of its own (keep-alives, mostly): they are acknowledged.</summary>
    public void AnswerRequest(RtspMessage request) =>
        _tcp.Send(Encoding.UTF8.GetBytes($"RTSP/1.0 200 OK\r\nCSeq: {request.CSeq}\r\n\r\n"));

    /// <summary>
    /// The next interleaved frame (its channel and payload, valid until the next call) or message,
    /// waiting at most <paramref name="timeoutMs"/> for bytes (TimeoutException).
    /// </summary>
    public RtspItem Next(int timeoutMs, out int channel, out ReadOnlySpan<byte> payload, out RtspMessage? message)
    {
        if (_early.TryDequeue(out _current))
        {
            _earlyBytes -= _current.Length;
            _lastFrame = -1;
            channel = _current[0];
            payload = _current.AsSpan(1);
            message = null;
            return RtspItem.Interleaved;
        }
        return Read(timeoutMs, out channel, out payload, out message);
    }

    private RtspItem Read(int timeoutMs, out int channel, out ReadOnlySpan<byte> payload, out RtspMessage? message)
    {
        while (true)
        {
            var item = RtspParser.Read(_buffer.AsSpan(_start, _end - _start), out var consumed, out channel, out message);
            switch (item)
            {
                case RtspItem.Interleaved:
                    payload = _buffer.AsSpan(_start + 4, consumed - 4);
                    if (payload.Length < 4 || payload[0] >> 6 != 2)
                    {
                        // Not RTP or RTCP (both version 2): a '$' inside garbage. Resynchronize past it.
                        BadFrames++;
                        Skip(1);
                        continue;
                    }
                    _lastFrame = _start;
                    _start += consumed;
                    _garbageRun = 0;
                    return item;
                case RtspItem.Message:
                    _start += consumed;
                    _garbageRun = 0;
                    payload = default;
                    return item;
                case RtspItem.Garbage:
                    Skip(consumed);
                    continue;
            }
            Fill(timeoutMs);
        }
    }

    /// <summary>
    /// The caller found the last frame is not one of its streams (a '$' in garbage with a length
    /// that would swallow real frames): read again from the byte after its '$'.
    /// </summary>
    public void Reject()
    {
        if (_lastFrame >= 0)
        {
            BadFrames++;
            _garbageRun += _start - _lastFrame;
            _start = _lastFrame;
            _lastFrame = -1;
            Skip(1);
        }
    }

    private void Skip(int count)
    {
        _start += count;
        GarbageBytes += count;
        _garbageRun += count;
        if (_garbageRun > MaxGarbageRun)
        {
            throw new MediaException($"{_garbageRun} bytes in a row that are not RTSP");
        }
    }

    private void Fill(int timeoutMs)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        _tcp.ReceiveTimeoutMs = timeoutMs;
        var n = _tcp.Receive(_buffer.AsSpan(_end));
        if (n == 0)
        {
            throw new MediaException(_end > 0 ? $"the peer closed the connection in the middle of an item ({_end} bytes cut)" : "the peer closed the connection");
        }
        _end += n;
    }

    public void Dispose() => _tcp.Dispose();
}
