namespace Vigil.Protocol.Link;

public abstract partial class LinkSession
{
    private int _queuedFrames;
    private long _queuedBytes;
    private long _writingSinceTicks;

    /// <summary>Frames waiting to be written now, the one being written included.</summary>
    public int QueuedFrames => Volatile.Read(ref _queuedFrames);

    /// <summary>Bytes of the frames waiting to be written now.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// How long the frame being written has been stuck in the transport, in milliseconds; 0 when no
    /// write is under way. A peer that stopped reading keeps it growing: the owner closes the link
    /// past its deadline (<c>write_stalled</c>).
    /// </summary>
    public long WriteStalledMs(long now)
    {
        var since = Volatile.Read(ref _writingSinceTicks);
        return since == 0 ? 0 : Math.Max(0, now - since);
    }

    /// <summary>Counts a frame into the send queue, or closes the link when the queue is full.</summary>
    private void EnterSendQueue(int frameLength)
    {
        var frames = Interlocked.Increment(ref _queuedFrames);
        var bytes = Interlocked.Add(ref _queuedBytes, frameLength);
        if (frames > _options.MaxQueuedFrames || bytes > _options.MaxQueuedBytes)
        {
            LeaveSendQueue(frameLength);
            // Every answer this side owes a peer that does not read would wait here, each a task and a
            // buffer: the memory a single connection can take must stay bounded.
            Close("send_queue_full");
            throw new LinkClosedException(CloseReason);
        }
    }

    private void LeaveSendQueue(int frameLength)
    {
        Interlocked.Decrement(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, -frameLength);
    }
}
