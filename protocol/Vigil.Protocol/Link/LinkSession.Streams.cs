using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Link;

public abstract partial class LinkSession
{
    private readonly object _streamsGate = new();
    private Dictionary<uint, MuxStream>? _streams;
    private uint _nextStreamId;

    public int StreamCount
    {
        get
        {
            lock (_streamsGate)
            {
                return _streams?.Count ?? 0;
            }
        }
    }

    /// <summary>Opens a stream to a local port of the peer and waits until the peer accepts or refuses it.</summary>
    public async Task<MuxStream> OpenStreamAsync(ushort port, CancellationToken cancellationToken = default)
    {
        MuxStream stream;
        lock (_streamsGate)
        {
            if (IsClosed)
            {
                throw new LinkClosedException(CloseReason);
            }
            _streams ??= [];
            if (_streams.Count >= _options.MaxStreams)
            {
                throw new MuxStreamException(MuxError.TooManyStreams, "the session has as many streams as its cap allows");
            }
            stream = new MuxStream(this, _nextStreamId, port, _options.StreamWindow, opening: true);
            _nextStreamId += 2;
            _streams.Add(stream.Id, stream);
        }
        var body = new byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(body, port);
        try
        {
            await SendFrameAsync(MuxFrameType.Open, stream.Id, body, cancellationToken).ConfigureAwait(false);
            await stream.WaitOpenAsync(_options.OpenTimeout, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal void RemoveStream(MuxStream stream)
    {
        lock (_streamsGate)
        {
            if (_streams is not null && _streams.TryGetValue(stream.Id, out var s) && ReferenceEquals(s, stream))
            {
                _streams.Remove(stream.Id);
            }
        }
    }

    private MuxStream? FindStream(uint id)
    {
        lock (_streamsGate)
        {
            return _streams is not null && _streams.TryGetValue(id, out var s) ? s : null;
        }
    }

    private void OnStreamFrame(MuxFrame frame)
    {
        if (frame.Type == MuxFrameType.Open)
        {
            AcceptOpen(frame.StreamId, frame.OpenPort);
            return;
        }
        var stream = FindStream(frame.StreamId);
        if (stream is null)
        {
            // A stream this side already closed or reset: frames in flight are dropped. They cannot
            // grow memory, and answering them would let a peer make this side send without end.
            return;
        }
        switch (frame.Type)
        {
            case MuxFrameType.Data:
                stream.OnData(frame.Body);
                break;
            case MuxFrameType.Window:
                stream.OnWindow(frame.WindowIncrement);
                break;
            case MuxFrameType.OpenOk:
                stream.OnOpenOk();
                break;
            case MuxFrameType.Close:
                stream.OnRemoteClose();
                break;
            case MuxFrameType.Reset:
                stream.OnReset(frame.ResetCode, System.Text.Encoding.UTF8.GetString(frame.ResetReason));
                break;
        }
    }

    private void AcceptOpen(uint id, ushort port)
    {
        // The peer numbers its streams with the other parity; a clash or reuse is a protocol error.
        if ((id & 1) == (_nextStreamId & 1))
        {
            throw new LinkProtocolException("bad_stream_id");
        }
        MuxStream stream;
        lock (_streamsGate)
        {
            _streams ??= [];
            if (_streams.ContainsKey(id))
            {
                throw new LinkProtocolException("stream_reused");
            }
            stream = new MuxStream(this, id, port, _options.StreamWindow, opening: false);
            if (_streams.Count >= _options.MaxStreams)
            {
                SendInBackground(SendResetAsync(id, MuxError.TooManyStreams, "too many streams"));
                return;
            }
            _streams.Add(id, stream);
        }
        OnStreamRequested(stream);
    }

    private void FailAllStreams()
    {
        MuxStream[] streams;
        lock (_streamsGate)
        {
            if (_streams is null)
            {
                return;
            }
            streams = [.. _streams.Values];
            _streams.Clear();
        }
        foreach (var s in streams)
        {
            s.OnSessionClosed();
        }
    }
}
