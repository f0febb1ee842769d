using System.Buffers.Binary;
using System.Text;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Tests;

/// <summary>Two live sessions over <see cref="MemoryLink"/>: control, heartbeats, streams, flow control, failures.</summary>
[TestFixture]
public sealed class LinkSessionTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private const int Window = LinkOptions.DefaultStreamWindow;

    private static Task<T> Within<T>(Task<T> task) => task.WaitAsync(s_wait);
    private static Task Within(Task task) => task.WaitAsync(s_wait);

    private static async Task<T> Next<T>(System.Threading.Channels.Channel<T> channel) =>
        await channel.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }
            await Task.Delay(5);
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Stream s)
    {
        var all = new MemoryStream();
        var buffer = new byte[32 * 1024];
        int n;
        while ((n = await s.ReadAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return all.ToArray();
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream s, int count)
    {
        var buffer = new byte[count];
        await s.ReadExactlyAsync(buffer);
        return buffer;
    }

    private static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Data(uint stream, int length) => MemorySession.Frame(MuxFrameType.Data, stream, new byte[length]);

    [Test]
    public async Task ControlMessagesFlowBothWays()
    {
        await using var link = MemoryLink.Create();
        await link.Initiator.SendControlAsync(new ControlMessage { Type = ControlMessage.Hello, Serial = "SN1", TunnelPorts = [554] }.ToJson());
        var hello = await Next(link.Responder.Controls);
        Assert.That(hello.Type, Is.EqualTo("hello"));
        Assert.That(hello.Serial, Is.EqualTo("SN1"));
        Assert.That(hello.TunnelPorts, Is.EqualTo(new[] { 554 }));

        await link.Responder.SendControlAsync(new ControlMessage { Type = ControlMessage.HelloOk, Node = "n1", HeartbeatIntervalMs = 15000 }.ToJson());
        var ok = await Next(link.Initiator.Controls);
        Assert.That(ok.Type, Is.EqualTo("hello_ok"));
        Assert.That(ok.Node, Is.EqualTo("n1"));
        Assert.That(link.Initiator.BytesSent, Is.EqualTo(link.Responder.BytesReceived));
        Assert.That(link.Responder.BytesSent, Is.EqualTo(link.Initiator.BytesReceived));
        Assert.That(link.Initiator.IsClosed || link.Responder.IsClosed, Is.False);
    }

    [Test]
    public async Task ControlMessagesOutsideOneToSixteenKilobytesAreNotSent()
    {
        await using var link = MemoryLink.Create();
        Assert.Throws<ArgumentException>(() => link.Initiator.SendControlAsync(ReadOnlyMemory<byte>.Empty));
        Assert.Throws<ArgumentException>(() => link.Initiator.SendControlAsync(new byte[MuxFrame.MaxControlLength + 1]));
        Assert.That(link.Initiator.BytesSent, Is.Zero);
    }

    [Test]
    public async Task MalformedControlJsonClosesThePeerWithBadControl()
    {
        await using var link = MemoryLink.Create();
        await link.Initiator.SendControlAsync("""{"t":"hello","id":"x"}"""u8.ToArray());
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("bad_control"));
        Assert.That(await Within(link.Initiator.Closed), Is.EqualTo("peer_closed"));
    }

    [Test]
    public async Task PingIsAnsweredAndMeasured()
    {
        await using var link = MemoryLink.Create();
        Assert.That(link.Initiator.LastRoundTripMs, Is.EqualTo(-1));
        await link.Initiator.SendPingAsync();
        await Eventually(() => link.Initiator.LastRoundTripMs >= 0, "the pong arrives");
        Assert.That(link.Initiator.LastRoundTripMs, Is.LessThan(s_wait.TotalMilliseconds));
        Assert.That(link.Responder.LastRoundTripMs, Is.EqualTo(-1), "answering a ping measures nothing");
        Assert.That(link.Responder.BytesSent, Is.GreaterThan(0), "the responder sent the pong");
    }

    [Test]
    public async Task EchoFiveMegabytesByteExact()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Echo;
        var stream = await Within(link.Initiator.OpenStreamAsync(554));
        Assert.That(stream.Id % 2, Is.EqualTo(1u), "the initiator's streams are odd");
        Assert.That(stream.Port, Is.EqualTo(554));

        var data = Random(5 * 1024 * 1024, 1);
        var writer = Task.Run(async () =>
        {
            for (var offset = 0; offset < data.Length; offset += 100_000)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(100_000, data.Length - offset)));
            }
            await stream.ShutdownWriteAsync();
        });
        var echoed = await Within(ReadToEndAsync(stream));
        await Within(writer);
        Assert.That(echoed.Length, Is.EqualTo(data.Length));
        Assert.That(echoed.AsSpan().SequenceEqual(data), Is.True, "echoed bytes differ");
        await Eventually(() => link.Initiator.StreamCount == 0 && link.Responder.StreamCount == 0, "both ends forget the closed stream");
    }

    [Test]
    public async Task ResponderStreamsAreEvenAndWorkTheOtherWay()
    {
        await using var link = MemoryLink.Create();
        link.Initiator.Serve = ServeMode.Echo;
        var stream = await Within(link.Responder.OpenStreamAsync(80));
        Assert.That(stream.Id % 2, Is.EqualTo(0u));
        Assert.That(stream.Id, Is.Not.Zero);
        await stream.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
        await stream.ShutdownWriteAsync();
        Assert.That(Encoding.ASCII.GetString(await Within(ReadToEndAsync(stream))), Is.EqualTo("GET / HTTP/1.0\r\n\r\n"));
    }

    [Test]
    public async Task HalfCloseEndsOneDirectionOnly()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var opener = await Within(link.Initiator.OpenStreamAsync(554));
        var acceptor = await Next(link.Responder.Accepted);

        await opener.WriteAsync("request"u8.ToArray());
        await opener.ShutdownWriteAsync();
        Assert.That(await Within(ReadToEndAsync(acceptor)), Is.EqualTo("request"u8.ToArray()));
        Assert.That(await acceptor.ReadAsync(new byte[10]), Is.Zero, "reads after the end stay at 0");

        Assert.ThrowsAsync<IOException>(async () => await opener.WriteAsync(new byte[1]), "the opener closed its sending side");

        // The other direction is still open: the acceptor answers after the opener's close.
        var reply = Random(300_000, 2);
        var write = acceptor.WriteAsync(reply).AsTask();
        Assert.That(await Within(ReadExactlyAsync(opener, reply.Length)), Is.EqualTo(reply));
        await Within(write);
        await acceptor.ShutdownWriteAsync();
        Assert.That(await opener.ReadAsync(new byte[10]).AsTask().WaitAsync(s_wait), Is.Zero);
        await Eventually(() => link.Initiator.StreamCount == 0 && link.Responder.StreamCount == 0, "both ends forget the closed stream");
    }

    [Test]
    public async Task ResetReachesThePeerAsIOException()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var opener = await Within(link.Initiator.OpenStreamAsync(554));
        var acceptor = await Next(link.Responder.Accepted);
        var pendingRead = opener.ReadAsync(new byte[100]).AsTask();

        await acceptor.DisposeAsync();   // before either end closed: a reset, not an end of stream

        var e = Assert.ThrowsAsync<IOException>(async () => await pendingRead.WaitAsync(s_wait));
        Assert.That(e!.InnerException, Is.TypeOf<MuxStreamException>());
        Assert.That(((MuxStreamException)e.InnerException!).Code, Is.EqualTo(MuxError.Cancel));
        Assert.ThrowsAsync<IOException>(async () => await opener.WriteAsync(new byte[1]));
        await Eventually(() => link.Initiator.StreamCount == 0 && link.Responder.StreamCount == 0, "both ends drop the reset stream");
        Assert.That(link.Initiator.IsClosed || link.Responder.IsClosed, Is.False, "a reset ends the stream, not the link");
    }

    [Test]
    public async Task RefusedOpenSurfacesTheCode()
    {
        await using var link = MemoryLink.Create();
        var e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(22).WaitAsync(s_wait));
        Assert.That(e!.Code, Is.EqualTo(MuxError.PortNotAllowed), "the default refusal");

        link.Responder.Serve = ServeMode.Refuse;
        link.Responder.RefuseCode = MuxError.ConnectFailed;
        link.Responder.RefuseReason = "nothing listens on 8080";
        e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(8080).WaitAsync(s_wait));
        Assert.That(e!.Code, Is.EqualTo(MuxError.ConnectFailed));
        Assert.That(e.Message, Is.EqualTo("nothing listens on 8080"));
        Assert.That(link.Initiator.StreamCount, Is.Zero);
        Assert.That(link.Responder.StreamCount, Is.Zero);

        link.Responder.Serve = ServeMode.Echo;
        await using var works = await Within(link.Initiator.OpenStreamAsync(80));
        Assert.That(link.Initiator.IsClosed, Is.False);
    }

    [TestCase("\u00e9", 200)]          // 200 characters, 400 bytes of UTF-8
    [TestCase("\u6e2c", 150)]          // 150 characters, 450 bytes
    [TestCase("\U0001F4F7", 120)]     // surrogate pairs, 480 bytes
    [TestCase("x", 1000)]
    public async Task ALongRefusalReasonRefusesTheStreamNotTheLink(string unit, int count)
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Refuse;
        link.Responder.RefuseCode = MuxError.ConnectFailed;
        link.Responder.RefuseReason = string.Concat(Enumerable.Repeat(unit, count));
        var e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(8080).WaitAsync(s_wait));
        Assert.That(e!.Code, Is.EqualTo(MuxError.ConnectFailed));
        Assert.That(link.Responder.RefuseReason, Does.StartWith(e.Message.TrimEnd('\uFFFD')), "the reason arrives, cut short if need be");
        Assert.That(Encoding.UTF8.GetByteCount(e.Message), Is.LessThanOrEqualTo(256));
        Assert.That(e.Message, Does.Not.Contain("\uFFFD"), "cut at a character boundary");
        Assert.That(link.Initiator.IsClosed, Is.False, link.Initiator.CloseReason);
    }

    [Test]
    public async Task MaxStreamsIsCheckedByTheOpener()
    {
        await using var link = MemoryLink.Create(new LinkOptions { MaxStreams = 4 });
        link.Responder.Serve = ServeMode.Hold;
        var streams = new List<MuxStream>();
        for (var i = 0; i < 4; i++)
        {
            streams.Add(await Within(link.Initiator.OpenStreamAsync(554)));
        }
        var sentBefore = link.Initiator.BytesSent;
        var e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(554));
        Assert.That(e!.Code, Is.EqualTo(MuxError.TooManyStreams));
        Assert.That(link.Initiator.BytesSent, Is.EqualTo(sentBefore), "the opener refused without asking the peer");
        Assert.That(link.Responder.StreamCount, Is.EqualTo(4));

        await streams[0].DisposeAsync();
        await Eventually(() => link.Responder.StreamCount == 3, "the peer forgets the reset stream");
        streams.Add(await Within(link.Initiator.OpenStreamAsync(554)));
        Assert.That(link.Initiator.StreamCount, Is.EqualTo(4));
    }

    [Test]
    public async Task MaxStreamsIsEnforcedByTheAcceptor()
    {
        // An opener with a larger cap than the acceptor: the acceptor resets what goes over its own.
        await using var link = MemoryLink.Create(new LinkOptions { MaxStreams = 16 }, new LinkOptions { MaxStreams = 2 });
        link.Responder.Serve = ServeMode.Hold;
        await Within(link.Initiator.OpenStreamAsync(554));
        await Within(link.Initiator.OpenStreamAsync(554));
        var e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(554).WaitAsync(s_wait));
        Assert.That(e!.Code, Is.EqualTo(MuxError.TooManyStreams));
        Assert.That(link.Responder.StreamCount, Is.EqualTo(2));
    }

    [Test]
    public async Task MaxStreamsHoldsAgainstHandCraftedOpens()
    {
        await using var link = MemoryLink.Create(new LinkOptions { MaxStreams = 3 });
        link.Responder.Serve = ServeMode.Hold;
        var resets = new System.Collections.Concurrent.ConcurrentQueue<(uint Stream, MuxError Code)>();
        link.Responder.PlaintextFilter = plain =>
        {
            if (plain[0] == (byte)MuxFrameType.Reset)
            {
                resets.Enqueue((BinaryPrimitives.ReadUInt32BigEndian(plain.AsSpan(2)), (MuxError)BinaryPrimitives.ReadUInt16BigEndian(plain.AsSpan(6))));
            }
            return [plain];
        };
        // The initiator's session never agreed to these: a peer ignoring the cap.
        for (uint id = 1; id <= 19; id += 2)
        {
            await link.Initiator.InjectAsync(MemorySession.OpenFrame(id, 554));
        }
        await Eventually(() => resets.Count == 7, "the acceptor resets every open over its cap");
        Assert.That(resets.Select(r => r.Stream), Is.EqualTo(new uint[] { 7, 9, 11, 13, 15, 17, 19 }));
        Assert.That(resets.Select(r => r.Code), Is.All.EqualTo(MuxError.TooManyStreams));
        Assert.That(link.Responder.StreamCount, Is.EqualTo(3));
        Assert.That(link.Responder.IsClosed, Is.False);
    }

    [Test]
    public async Task ASlowStreamStopsAtItsWindowWithoutStallingTheSession()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var slowOut = await Within(link.Initiator.OpenStreamAsync(554));
        var slowIn = await Next(link.Responder.Accepted);
        var fastOut = await Within(link.Initiator.OpenStreamAsync(80));
        var fastIn = await Next(link.Responder.Accepted);

        var slowData = Random(3 * Window, 3);
        var slowWriter = slowOut.WriteAsync(slowData).AsTask();
        await Eventually(() => slowIn.Buffered == Window, "the slow stream's window fills");

        // Another stream on the same session carries megabytes end to end meanwhile.
        var fastData = Random(4 * 1024 * 1024, 4);
        var maxBuffered = 0;
        var fastWriter = Task.Run(async () =>
        {
            await fastOut.WriteAsync(fastData);
            await fastOut.ShutdownWriteAsync();
        });
        var fastRead = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await fastIn.ReadAsync(buffer).AsTask().WaitAsync(s_wait)) > 0)
        {
            fastRead.Write(buffer, 0, n);
            maxBuffered = Math.Max(maxBuffered, Math.Max(slowIn.Buffered, fastIn.Buffered));
        }
        await Within(fastWriter);
        Assert.That(fastRead.ToArray().AsSpan().SequenceEqual(fastData), Is.True, "the fast stream's bytes differ");

        Assert.That(slowIn.Buffered, Is.EqualTo(Window), "exactly one window buffered, no more");
        Assert.That(maxBuffered, Is.LessThanOrEqualTo(Window));
        Assert.That(slowWriter.IsCompleted, Is.False, "the slow stream's writer waits for credit");

        // Draining the slow stream lets its writer finish, byte-exact.
        var slowRead = await Within(ReadExactlyAsync(slowIn, slowData.Length));
        await Within(slowWriter);
        Assert.That(slowRead.AsSpan().SequenceEqual(slowData), Is.True);
        Assert.That(link.Initiator.IsClosed || link.Responder.IsClosed, Is.False);
    }

    [Test]
    public async Task AWriterWaitsForCreditAndResumesWhenHalfAWindowIsRead()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        var input = await Next(link.Responder.Accepted);

        var writer = output.WriteAsync(new byte[Window + 1000]).AsTask();
        await Eventually(() => input.Buffered == Window, "the window fills");
        await Task.Delay(100);
        Assert.That(writer.IsCompleted, Is.False, "no credit: the writer waits");

        // Credit goes back in batches of half a window: a little reading is not enough yet.
        await ReadExactlyAsync(input, Window / 2 - 1);
        await Task.Delay(100);
        Assert.That(writer.IsCompleted, Is.False, "less than half a window read: no credit yet");
        await ReadExactlyAsync(input, 1);
        await Within(writer);
        await Eventually(() => input.Buffered == Window / 2 + 1000, "the rest arrives");
    }

    [Test]
    public async Task AWriteCancelledWhileWaitingToSendGivesItsCreditBack()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        var input = await Next(link.Responder.Accepted);
        var other = await Within(link.Initiator.OpenStreamAsync(80));
        await Next(link.Responder.Accepted);

        // Another stream's frame holds the session's write lock on a stalled transport...
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Initiator.WriteGate = gate;
        var blocker = other.WriteAsync(new byte[10]).AsTask();
        await Eventually(() => link.Initiator.GateWaiters == 1, "a write holds the lock");

        // ...so this write takes credit, waits for the lock, and is cancelled before it sends anything.
        using var cts = new CancellationTokenSource();
        var cancelled = output.WriteAsync(new byte[1000], cts.Token).AsTask();
        await Task.Delay(50);
        cts.Cancel();
        Assert.CatchAsync<OperationCanceledException>(async () => await cancelled.WaitAsync(s_wait));

        link.Initiator.WriteGate = null;
        gate.SetResult();
        await Within(blocker);

        // Nothing of the cancelled write went out, so the whole window is still there to use.
        await Within(output.WriteAsync(new byte[Window]).AsTask());
        await Eventually(() => input.Buffered == Window, "a full window arrives");
        Assert.That(link.Initiator.IsClosed || link.Responder.IsClosed, Is.False);
    }

    [Test]
    public async Task AWriteCancelledOnAStalledTransportDoesNotBreakTheLink()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        var input = await Next(link.Responder.Accepted);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Initiator.WriteGate = gate;
        using var cts = new CancellationTokenSource();
        var write = output.WriteAsync("payload"u8.ToArray(), cts.Token).AsTask();
        await Eventually(() => link.Initiator.GateWaiters == 1, "the frame is encrypted and on its way out");
        cts.Cancel();
        await Task.Delay(50);
        link.Initiator.WriteGate = null;
        gate.SetResult();
        try
        {
            await write.WaitAsync(s_wait);
        }
        catch (OperationCanceledException)
        {
        }

        // Whatever became of that write, the frames after it must still decrypt in order.
        await link.Initiator.SendControlAsync(new ControlMessage { Type = "after" }.ToJson());
        var after = await Next(link.Responder.Controls);
        Assert.That(after.Type, Is.EqualTo("after"));
        Assert.That(link.Responder.IsClosed, Is.False, link.Responder.CloseReason);
    }

    [Test]
    public async Task SendingPastTheWindowClosesWithFlowControlViolation()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        var input = await Next(link.Responder.Accepted);

        // Exactly the window is allowed, in frames the session itself would never send unasked.
        for (var i = 0; i < 8; i++)
        {
            await link.Initiator.InjectAsync(Data(output.Id, Window / 8));
        }
        await Eventually(() => input.Buffered == Window, "a full window is buffered");
        Assert.That(link.Responder.IsClosed, Is.False);

        await link.Initiator.InjectAsync(Data(output.Id, 1));
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("flow_control_violation"));
        // The error is reported as the session closes; its streams let go of their buffers just after.
        await Eventually(() => input.Buffered == 0, "the closed session released what it buffered");
    }

    [TestCase("bad_stream_id")]
    [TestCase("stream_reused")]
    [TestCase("unexpected_open_ok")]
    [TestCase("data_after_close")]
    [TestCase("window_overflow")]
    [TestCase("bad_window")]
    public async Task StreamStateViolationsCloseTheLink(string reason)
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        await Next(link.Responder.Accepted);
        var id = output.Id;
        byte[][] frames = reason switch
        {
            "bad_stream_id" => [MemorySession.OpenFrame(2, 554)],
            "stream_reused" => [MemorySession.OpenFrame(id, 554)],
            "unexpected_open_ok" => [MemorySession.Frame(MuxFrameType.OpenOk, id, [])],
            "data_after_close" => [MemorySession.Frame(MuxFrameType.Close, id, []), Data(id, 1)],
            "window_overflow" => [MemorySession.Frame(MuxFrameType.Window, id, [0x7F, 0xFF, 0xFF, 0xFF])],
            _ => [MemorySession.Frame(MuxFrameType.Window, id, [0, 0, 0, 0])],
        };
        foreach (var f in frames)
        {
            await link.Initiator.InjectAsync(f);
        }
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo(reason));
        Assert.That(await Within(link.Responder.Closed), Is.EqualTo(reason));
    }

    [Test]
    public async Task AReplayedFrameClosesWithBadTag()
    {
        await using var link = MemoryLink.Create();
        link.Initiator.CiphertextFilter = body => [body, body];
        await link.Initiator.SendControlAsync(new ControlMessage { Type = "hello" }.ToJson());
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("bad_tag"));
        Assert.That(link.Responder.Controls.Reader.Count, Is.EqualTo(1), "the original was delivered once");
        Assert.That(await Within(link.Initiator.Closed), Is.EqualTo("peer_closed"));
    }

    [Test]
    public async Task ADroppedFrameMakesTheNextOneFailWithBadTag()
    {
        await using var link = MemoryLink.Create();
        var dropped = 0;
        link.Initiator.CiphertextFilter = body => Interlocked.Exchange(ref dropped, 1) == 0 ? [] : [body];
        await link.Initiator.SendControlAsync(new ControlMessage { Type = "first" }.ToJson());
        await link.Initiator.SendControlAsync(new ControlMessage { Type = "second" }.ToJson());
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("bad_tag"));
        Assert.That(link.Responder.Controls.Reader.Count, Is.Zero);
    }

    [TestCase(0)]
    [TestCase(5)]
    [TestCase(-1)]
    public async Task AFlippedCiphertextBitClosesWithBadTag(int position)
    {
        await using var link = MemoryLink.Create();
        link.Initiator.CiphertextFilter = body =>
        {
            var copy = (byte[])body.Clone();
            copy[position < 0 ? copy.Length + position : position] ^= 0x01;
            return [copy];
        };
        await link.Initiator.SendPingAsync();
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("bad_tag"));
    }

    [Test]
    public async Task AFrameTooShortForATagClosesWithShortFrame()
    {
        await using var link = MemoryLink.Create();
        await link.Initiator.InjectRawAsync(new byte[LinkFraming.MinTransportLength - 1]);
        Assert.That(await Within(link.Responder.ProtocolError), Is.EqualTo("short_frame"));
    }

    [Test]
    public async Task CloseFailsPendingReadsAndWrites()
    {
        await using var link = MemoryLink.Create();
        link.Responder.Serve = ServeMode.Hold;
        var output = await Within(link.Initiator.OpenStreamAsync(554));
        var input = await Next(link.Responder.Accepted);
        var pendingRead = output.ReadAsync(new byte[10]).AsTask();
        var pendingWrite = output.WriteAsync(new byte[Window + 1]).AsTask();
        await Eventually(() => input.Buffered == Window, "the writer runs out of credit");
        var peerRead = Task.Run(() => ReadToEndAsync(input));

        link.Initiator.Close("test_close");

        Assert.ThrowsAsync<IOException>(async () => await pendingRead.WaitAsync(s_wait));
        var e = Assert.ThrowsAsync<IOException>(async () => await pendingWrite.WaitAsync(s_wait));
        Assert.That(((MuxStreamException)e!.InnerException!).Code, Is.EqualTo(MuxError.SessionClosed));
        Assert.ThrowsAsync<IOException>(async () => await peerRead.WaitAsync(s_wait), "the peer's stream fails too");
        Assert.That(link.Initiator.CloseReason, Is.EqualTo("test_close"));
        Assert.That(await Within(link.Responder.Closed), Is.EqualTo("peer_closed"));

        Assert.ThrowsAsync<LinkClosedException>(async () => await link.Initiator.OpenStreamAsync(554));
        Assert.ThrowsAsync<LinkClosedException>(async () => await link.Initiator.SendControlAsync("{}"u8.ToArray()));
        Assert.ThrowsAsync<LinkClosedException>(async () => await link.Initiator.SendPingAsync());
        link.Initiator.Close("again");
        Assert.That(link.Initiator.CloseReason, Is.EqualTo("test_close"), "only the first reason is kept");
    }

    [Test]
    public async Task AnOpenThePeerNeverAnswersTimesOut()
    {
        await using var link = MemoryLink.Create(new LinkOptions { OpenTimeout = TimeSpan.FromMilliseconds(200) });
        link.Responder.Serve = ServeMode.Pending;
        var e = Assert.ThrowsAsync<MuxStreamException>(async () => await link.Initiator.OpenStreamAsync(554).WaitAsync(s_wait));
        Assert.That(e!.Code, Is.EqualTo(MuxError.ConnectFailed));
        Assert.That(link.Initiator.StreamCount, Is.Zero);
    }
}
