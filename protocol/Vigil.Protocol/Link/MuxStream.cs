using System.Buffers;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Link;

/// <summary>
/// One multiplexed stream of a link, as a <see cref="Stream"/>. Receiving: data is buffered up to
/// the window this side granted, and credit goes back to the peer as the reader consumes it, so a
/// slow reader stops its sender without stalling the session. Sending: a writer waits for credit.
/// </summary>
public sealed class MuxStream : Stream
{
    private readonly LinkSession _session;
    private readonly int _window;
    private readonly object _gate = new();
    private readonly Queue<(byte[] Buffer, int Length)> _chunks = new();
    private int _headOffset;
    private int _buffered;
    private int _receiveWindow;
    private int _unacknowledged;
    private int _sendCredit;
    private bool _remoteClosed;
    private bool _localClosed;
    private bool _disposed;
    private MuxStreamException? _failure;
    private TaskCompletionSource? _readable;
    private TaskCompletionSource? _writable;
    private TaskCompletionSource? _opened;

    internal MuxStream(LinkSession session, uint id, ushort port, int window, bool opening)
    {
        _session = session;
        Id = id;
        Port = port;
        _window = window;
        _receiveWindow = window;
        _sendCredit = window;
        if (opening)
        {
            _opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public uint Id { get; }

    /// <summary>The local port of the agent the stream goes to.</summary>
    public ushort Port { get; }

    /// <summary>Bytes received and not yet read: never more than the window.</summary>
    public int Buffered
    {
        get
        {
            lock (_gate)
            {
                return _buffered;
            }
        }
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Accepts a stream the peer asked for; data may flow both ways after this.</summary>
    public ValueTask AcceptAsync() => _session.SendFrameAsync(MuxFrameType.OpenOk, Id, default, CancellationToken.None);

    /// <summary>Refuses a stream the peer asked for.</summary>
    public void Refuse(MuxError code, string reason)
    {
        Fail(new MuxStreamException(code, reason), notifyPeer: true);
    }

    internal async Task WaitOpenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var opened = _opened!.Task;
        try
        {
            await opened.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new MuxStreamException(MuxError.ConnectFailed, "the peer did not answer the open in time");
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }
        while (true)
        {
            Task? wait = null;
            int credit = 0, read = 0;
            lock (_gate)
            {
                if (_buffered > 0)
                {
                    read = CopyOut(buffer.Span);
                    _unacknowledged += read;
                    // Credit goes back in batches of half a window: fewer frames, and the sender never
                    // runs dry while the reader keeps up.
                    if (_unacknowledged >= _window / 2 && !_remoteClosed)
                    {
                        credit = _unacknowledged;
                        _unacknowledged = 0;
                        _receiveWindow += credit;
                    }
                }
                else if (_failure is not null)
                {
                    throw new IOException(_failure.Message, _failure);
                }
                else if (_remoteClosed || _disposed)
                {
                    return 0;
                }
                else
                {
                    _readable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _readable.Task;
                }
            }
            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (credit > 0)
            {
                try
                {
                    await _session.SendWindowAsync(Id, credit).ConfigureAwait(false);
                }
                catch (LinkClosedException)
                {
                    // The data already read stays valid; the next read reports the closed session.
                }
            }
            return read;
        }
    }

    private int CopyOut(Span<byte> destination)
    {
        var total = 0;
        while (destination.Length > 0 && _chunks.Count > 0)
        {
            var (chunk, length) = _chunks.Peek();
            var n = Math.Min(destination.Length, length - _headOffset);
            chunk.AsSpan(_headOffset, n).CopyTo(destination);
            destination = destination[n..];
            total += n;
            _headOffset += n;
            if (_headOffset == length)
            {
                _chunks.Dequeue();
                ArrayPool<byte>.Shared.Return(chunk);
                _headOffset = 0;
            }
        }
        _buffered -= total;
        return total;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            Task? wait = null;
            int take = 0;
            lock (_gate)
            {
                if (_failure is not null)
                {
                    throw new IOException(_failure.Message, _failure);
                }
                if (_localClosed || _disposed)
                {
                    throw new IOException("the stream is closed for writing");
                }
                if (_sendCredit == 0)
                {
                    _writable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _writable.Task;
                }
                else
                {
                    take = Math.Min(Math.Min(_sendCredit, buffer.Length), MuxFrame.MaxBodyLength);
                    _sendCredit -= take;
                }
            }
            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            try
            {
                await _session.SendFrameAsync(MuxFrameType.Data, Id, buffer[..take], cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Cancelled while waiting for the write lock, before the frame took a nonce: nothing
                // was sent, so the credit taken for it is still this side's to use.
                lock (_gate)
                {
                    _sendCredit += take;
                    Signal(ref _writable);
                }
                throw;
            }
            buffer = buffer[take..];
        }
    }

    /// <summary>Half-closes: the peer reads to the end of what was sent, and may go on sending.</summary>
    public async ValueTask ShutdownWriteAsync()
    {
        bool both;
        lock (_gate)
        {
            if (_localClosed || _failure is not null)
            {
                return;
            }
            _localClosed = true;
            both = _remoteClosed;
        }
        await _session.SendFrameAsync(MuxFrameType.Close, Id, default, CancellationToken.None).ConfigureAwait(false);
        if (both)
        {
            _session.RemoveStream(this);
        }
    }

    internal void OnData(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_failure is not null || _disposed)
            {
                return;
            }
            if (_remoteClosed)
            {
                throw new LinkProtocolException("data_after_close");
            }
            if (data.Length > _receiveWindow)
            {
                // The peer sent past the credit it was given: it would grow memory without bound.
                throw new LinkProtocolException("flow_control_violation");
            }
            if (data.Length == 0)
            {
                return;
            }
            _receiveWindow -= data.Length;
            var chunk = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(chunk);
            _chunks.Enqueue((chunk, data.Length));
            _buffered += data.Length;
            Signal(ref _readable);
        }
    }

    internal void OnWindow(uint increment)
    {
        lock (_gate)
        {
            var credit = (long)_sendCredit + increment;
            if (credit > int.MaxValue)
            {
                throw new LinkProtocolException("window_overflow");
            }
            _sendCredit = (int)credit;
            Signal(ref _writable);
        }
    }

    internal void OnOpenOk()
    {
        if (_opened is null || !_opened.TrySetResult())
        {
            throw new LinkProtocolException("unexpected_open_ok");
        }
    }

    internal void OnRemoteClose()
    {
        bool both;
        lock (_gate)
        {
            _remoteClosed = true;
            both = _localClosed;
            Signal(ref _readable);
        }
        if (both)
        {
            _session.RemoveStream(this);
        }
    }

    internal void OnReset(MuxError code, string reason)
    {
        Fail(new MuxStreamException(code, reason), notifyPeer: false);
    }

    internal void OnSessionClosed()
    {
        Fail(new MuxStreamException(MuxError.SessionClosed, $"the link closed ({_session.CloseReason})"), notifyPeer: false);
    }

    private void Fail(MuxStreamException failure, bool notifyPeer)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                return;
            }
            _failure = failure;
            ReleaseChunks();
            Signal(ref _readable);
            Signal(ref _writable);
            _opened?.TrySetException(failure);
        }
        _session.RemoveStream(this);
        if (notifyPeer && !_session.IsClosed)
        {
            LinkSession.SendInBackground(_session.SendResetAsync(Id, failure.Code, failure.Message));
        }
    }

    private void ReleaseChunks()
    {
        while (_chunks.Count > 0)
        {
            ArrayPool<byte>.Shared.Return(_chunks.Dequeue().Buffer);
        }
        _buffered = 0;
        _headOffset = 0;
    }

    private static void Signal(ref TaskCompletionSource? waiter)
    {
        waiter?.TrySetResult();
        waiter = null;
    }

    protected override void Dispose(bool disposing)
    {
        bool graceful;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            graceful = _failure is not null || (_localClosed && _remoteClosed);
            ReleaseChunks();
            Signal(ref _readable);
            Signal(ref _writable);
        }
        if (!graceful)
        {
            Fail(new MuxStreamException(MuxError.Cancel, "closed by the application"), notifyPeer: true);
        }
        _session.RemoveStream(this);
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return default;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A stream failed: refused, reset by the peer, or its session closed.</summary>
public sealed class MuxStreamException(MuxError code, string message) : IOException(message)
{
    public MuxError Code { get; } = code;
}
