using Vigil.Protocol.Link;

namespace Vigil.Protocol.Tests;

/// <summary>
/// A peer that never reads makes this side owe it answers (a PONG per PING). Those wait for the
/// transport; the send queue caps them, and past the cap the link is closed instead of growing.
/// </summary>
[TestFixture]
public sealed class SendQueueTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Test]
    public async Task PingsOwedToAPeerThatDoesNotReadCloseTheLinkAtTheCap()
    {
        await using var link = MemoryLink.Create(new LinkOptions(), new LinkOptions { MaxQueuedFrames = 64 });
        // The responder's transport takes nothing: every PONG it owes waits in its send queue.
        link.Responder.WriteGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 200 && !link.Responder.IsClosed; i++)
        {
            await link.Initiator.SendPingAsync();
        }
        Assert.That(await link.Responder.Closed.WaitAsync(s_wait), Is.EqualTo("send_queue_full"));
        Assert.That(link.Responder.QueuedFrames, Is.LessThanOrEqualTo(64));
    }

    [Test]
    public async Task AnHonestPaceStaysUnderTheCap()
    {
        await using var link = MemoryLink.Create(new LinkOptions(), new LinkOptions { MaxQueuedFrames = 64 });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Responder.WriteGate = gate;
        for (var i = 0; i < 32; i++)
        {
            await link.Initiator.SendPingAsync();
        }
        var deadline = DateTime.UtcNow + s_wait;
        while (link.Responder.QueuedFrames < 32 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.That(link.Responder.QueuedFrames, Is.EqualTo(32), "the answers wait, under the cap");
        link.Responder.WriteGate = null;
        gate.SetResult();
        while (link.Responder.QueuedFrames > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.That(link.Responder.QueuedFrames, Is.Zero, "the queue drains once the transport takes frames");
        Assert.That(link.Responder.IsClosed, Is.False, link.Responder.CloseReason);
    }

    [Test]
    public async Task BytesAreCappedToo()
    {
        await using var link = MemoryLink.Create(new LinkOptions(), new LinkOptions { MaxQueuedBytes = 64 * 1024 });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Responder.WriteGate = gate;
        var sends = new List<Task>();
        for (var i = 0; i < 8; i++)
        {
            sends.Add(link.Responder.SendControlAsync(new byte[16 * 1024]).AsTask());
        }
        Assert.That(await link.Responder.Closed.WaitAsync(s_wait), Is.EqualTo("send_queue_full"));
        Assert.That(link.Responder.QueuedBytes, Is.LessThanOrEqualTo(64 * 1024));
        gate.SetResult();
        foreach (var send in sends)
        {
            try
            {
                await send.WaitAsync(s_wait);
            }
            catch (LinkClosedException)
            {
                // The frames past the cap, and those that found the link closed.
            }
        }
    }
}
