using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Tests;

/// <summary>
/// Deterministic mutation fuzzing of everything a peer controls: the outer framing, the mux parser,
/// and a live session fed frames that pass the tag. A failure prints the seed; rerun with it.
/// </summary>
[TestFixture]
public sealed class MutationFuzzTests
{
    private const int Seed = 0x5EED_2026;
    private const int Iterations = 100_000;
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(120);

    [OneTimeSetUp]
    public void PrintSeed() => TestContext.Out.WriteLine($"fuzz seed {Seed} (0x{Seed:X}); the three tests use it, +1 and +2");

    // ---- (a) LinkFrameReader over random bytes in random segments ----

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    private static ReadOnlySequence<byte> Split(byte[] data, Random random)
    {
        if (data.Length == 0 || random.Next(4) == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }
        Segment? first = null, last = null;
        var offset = 0;
        while (offset < data.Length || first is null)
        {
            // Segments of 0 to 8 bytes: headers split across them, and empty segments too.
            var n = Math.Min(random.Next(0, 9), data.Length - offset);
            last = new Segment(data.AsMemory(offset, n), last);
            first ??= last;
            offset += n;
        }
        return new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static byte[] RandomWireBytes(Random random)
    {
        var wire = new List<byte>();
        var frames = random.Next(0, 4);
        for (var i = 0; i < frames; i++)
        {
            // Mostly plausible lengths, some below the minimum, some promising more than is there.
            int length = random.Next(10) switch
            {
                0 => random.Next(0, LinkFraming.MinTransportLength),
                1 => random.Next(0, 65536),
                _ => random.Next(LinkFraming.MinTransportLength, 120),
            };
            wire.Add((byte)(length >> 8));
            wire.Add((byte)length);
            var body = random.Next(8) == 0 ? random.Next(0, length + 1) : length;
            for (var b = 0; b < Math.Min(body, 200); b++)
            {
                wire.Add((byte)random.Next(256));
            }
        }
        if (random.Next(3) == 0)
        {
            wire.Add((byte)random.Next(256));
        }
        return [.. wire];
    }

    [Test]
    public void FrameReaderTakesWholeFramesOrThrowsLinkProtocolException()
    {
        var random = new Random(Seed);
        var calls = 0;
        var frames = 0;
        var refused = 0;
        var clock = Stopwatch.StartNew();
        while (calls < Iterations)
        {
            var data = RandomWireBytes(random);
            var buffer = Split(data, random);
            long consumed = 0;
            while (true)
            {
                calls++;
                var before = buffer;
                bool got;
                ReadOnlySequence<byte> frame;
                try
                {
                    got = LinkFrameReader.TryRead(ref buffer, out frame);
                }
                catch (LinkProtocolException e)
                {
                    Assert.That(e.Reason, Is.EqualTo("short_frame"));
                    var declared = (data[consumed] << 8) | data[consumed + 1];
                    Assert.That(declared, Is.LessThan(LinkFraming.MinTransportLength), $"seed {Seed}: refused a legal length");
                    refused++;
                    break;
                }
                if (!got)
                {
                    Assert.That(buffer.Length, Is.EqualTo(before.Length), $"seed {Seed}: consumed bytes without a frame");
                    var remaining = data.Length - consumed;
                    Assert.That(remaining < 2 || remaining < 2 + ((data[consumed] << 8) | data[consumed + 1]), Is.True, $"seed {Seed}: a whole frame was left unread");
                    break;
                }
                frames++;
                var length = (data[consumed] << 8) | data[consumed + 1];
                Assert.That(frame.Length, Is.EqualTo(length), $"seed {Seed}");
                Assert.That(frame.ToArray(), Is.EqualTo(data.AsSpan((int)consumed + 2, length).ToArray()), $"seed {Seed}");
                consumed += 2 + length;
                Assert.That(buffer.Length, Is.EqualTo(data.Length - consumed), $"seed {Seed}: consumed past the frame");
            }
        }
        TestContext.Out.WriteLine($"{calls} reads, {frames} frames, {refused} refused in {clock.ElapsedMilliseconds} ms");
        Assert.That(calls, Is.GreaterThanOrEqualTo(Iterations));
        Assert.That(frames, Is.GreaterThan(Iterations / 10), "the generator must produce real frames too");
        Assert.That(refused, Is.GreaterThan(100));
        Assert.That(clock.Elapsed, Is.LessThan(s_budget));
    }

    // ---- (b) MuxFrame.TryParse against an independent statement of the rules ----

    private static readonly byte[][] s_templates = BuildTemplates();

    private static byte[][] BuildTemplates()
    {
        byte[] F(MuxFrameType t, uint s, params byte[] body) => MemorySession.Frame(t, s, body);
        return
        [
            F(MuxFrameType.Data, 1, "hello"u8.ToArray()),
            F(MuxFrameType.Data, 2),
            F(MuxFrameType.Window, 3, 0, 0, 0x80, 0),
            F(MuxFrameType.Open, 5, 0x02, 0x2A),
            F(MuxFrameType.OpenOk, 4),
            F(MuxFrameType.Close, 7),
            F(MuxFrameType.Reset, 9, 0, 1, (byte)'b', (byte)'y', (byte)'e'),
            F(MuxFrameType.Ping, 0, 1, 2, 3, 4, 5, 6, 7, 8),
            F(MuxFrameType.Pong, 0, 8, 7, 6, 5, 4, 3, 2, 1),
            F(MuxFrameType.Control, 0, """{"t":"hello","serial":"x"}"""u8.ToArray()),
        ];
    }

    /// <summary>The wire format's rules, written out again independently of MuxFrame.</summary>
    private static bool Legal(ReadOnlySpan<byte> f)
    {
        if (f.Length < 6 || f[1] != 0)
        {
            return false;
        }
        var stream = BinaryPrimitives.ReadUInt32BigEndian(f[2..]);
        var body = f.Length - 6;
        return f[0] switch
        {
            1 => stream != 0,
            2 => stream != 0 && body == 4 && BinaryPrimitives.ReadUInt32BigEndian(f[6..]) != 0,
            3 => stream != 0 && body == 2,
            4 or 5 => stream != 0 && body == 0,
            6 => stream != 0 && body is >= 2 and <= 258,
            7 or 8 => stream == 0 && body == 8,
            9 => stream == 0 && body is >= 1 and <= 16384,
            _ => false,
        };
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var f = (byte[])frame.Clone();
        var rounds = random.Next(1, 4);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(8))
            {
                case 0 when f.Length > 0:
                    f[random.Next(f.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    f = f[..random.Next(f.Length + 1)];
                    break;
                case 2:
                    var extra = new byte[random.Next(1, random.Next(3) == 0 ? 300 : 12)];
                    random.NextBytes(extra);
                    f = [.. f, .. extra];
                    break;
                case 3 when f.Length > 0:
                    f[0] = (byte)(random.Next(3) == 0 ? random.Next(256) : random.Next(0, 11));
                    break;
                case 4 when f.Length > 1:
                    f[1] = (byte)(random.Next(2) == 0 ? 0 : random.Next(256));
                    break;
                case 5 when f.Length >= 6:
                    uint[] ids = [0, 1, 2, 3, 4, 5, 7, 9, 0x7FFFFFFF, 0xFFFFFFFF, (uint)random.Next()];
                    BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(2), ids[random.Next(ids.Length)]);
                    break;
                case 6 when f.Length > 6:
                    f[random.Next(6, f.Length)] = (byte)random.Next(256);
                    break;
                default:
                    if (f.Length > 0)
                    {
                        f[random.Next(f.Length)] = (byte)random.Next(256);
                    }
                    break;
            }
        }
        return f;
    }

    [Test]
    public void MuxParserAgreesWithTheRulesOnMutatedFrames()
    {
        var random = new Random(Seed + 1);
        int accepted = 0, refused = 0;
        var reasons = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var template = s_templates[random.Next(s_templates.Length)];
            var f = random.Next(10) == 0 ? template : Mutate(template, random);
            var ok = MuxFrame.TryParse(f, out var frame, out var error);
            Assert.That(ok, Is.EqualTo(Legal(f)), $"seed {Seed + 1}, iteration {i}: {Convert.ToHexString(f)} ({error})");
            if (ok)
            {
                accepted++;
                Assert.That(error, Is.Null);
                Assert.That((byte)frame.Type, Is.EqualTo(f[0]));
                Assert.That(frame.StreamId, Is.EqualTo(BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(2))));
                Assert.That(frame.Body.SequenceEqual(f.AsSpan(6)), Is.True);
            }
            else
            {
                refused++;
                Assert.That(error, Is.Not.Null.And.Not.Empty);
                reasons.Add(error!);
            }
        }
        TestContext.Out.WriteLine($"{accepted} accepted, {refused} refused ({string.Join(", ", reasons.Order())}) in {clock.ElapsedMilliseconds} ms");
        Assert.That(accepted + refused, Is.EqualTo(Iterations));
        Assert.That(accepted, Is.GreaterThan(Iterations / 20), "mutations must leave some frames legal");
        Assert.That(reasons, Has.Count.GreaterThanOrEqualTo(15), "mutations must reach most refusal paths");
        Assert.That(clock.Elapsed, Is.LessThan(s_budget));
    }

    // ---- (c) a live session fed authenticated mutations and corrupted ciphertexts ----

    private sealed class Generator(Random random)
    {
        private uint _nextOwn = 1;
        private readonly List<uint> _open = [];

        private readonly Dictionary<uint, int> _sent = [];

        /// <summary>A calm generator sends only well-formed opens and data within each stream's window.</summary>
        public int CalmFrames { get; set; }

        public void Reset()
        {
            _nextOwn = 1;
            _open.Clear();
            _sent.Clear();
            CalmFrames = 0;
        }

        private byte[] NextCalm()
        {
            CalmFrames--;
            if (_open.Count < 18 && (_open.Count == 0 || random.Next(4) == 0))
            {
                var id = _nextOwn;
                _nextOwn += 2;
                _open.Add(id);
                return MemorySession.OpenFrame(id, 554);
            }
            var stream = _open[random.Next(_open.Count)];
            var room = LinkOptions.DefaultStreamWindow - _sent.GetValueOrDefault(stream);
            if (room == 0)
            {
                return MemorySession.Frame(MuxFrameType.Ping, 0, new byte[8]);
            }
            var data = new byte[Math.Min(room, random.Next(20_000, 60_000))];
            _sent[stream] = _sent.GetValueOrDefault(stream) + data.Length;
            return MemorySession.Frame(MuxFrameType.Data, stream, data);
        }

        private uint SomeStream() => random.Next(6) switch
        {
            0 => (uint)random.Next(0, 12),
            _ when _open.Count > 0 => _open[random.Next(_open.Count)],
            _ => (uint)(random.Next(0, 8) * 2 + 1),
        };

        /// <summary>A frame a well-behaved initiator could send (it may still be wrong for the stream's state).</summary>
        public byte[] Next()
        {
            if (CalmFrames > 0)
            {
                return NextCalm();
            }
            switch (random.Next(20))
            {
                case 0 or 1 or 2:
                    var id = _nextOwn;
                    _nextOwn += 2;
                    _open.Add(id);
                    return MemorySession.OpenFrame(id, (ushort)random.Next(1, 65536));
                case 3 or 4 or 5 or 6 or 7 or 8:
                    var data = new byte[random.Next(10) == 0 ? random.Next(1, 60_000) : random.Next(0, 700)];
                    random.NextBytes(data);
                    return MemorySession.Frame(MuxFrameType.Data, SomeStream(), data);
                case 9 or 10:
                    var w = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(w, (uint)random.Next(1, random.Next(2) == 0 ? 1 << 16 : int.MaxValue));
                    return MemorySession.Frame(MuxFrameType.Window, SomeStream(), w);
                case 11:
                    return MemorySession.Frame(MuxFrameType.Close, SomeStream(), []);
                case 12:
                    var reason = new byte[2 + random.Next(0, 40)];
                    random.NextBytes(reason);
                    return MemorySession.Frame(MuxFrameType.Reset, SomeStream(), reason);
                case 13:
                    return MemorySession.Frame(MuxFrameType.OpenOk, SomeStream(), []);
                case 14 or 15:
                    var ping = new byte[8];
                    random.NextBytes(ping);
                    return MemorySession.Frame(random.Next(2) == 0 ? MuxFrameType.Ping : MuxFrameType.Pong, 0, ping);
                default:
                    var m = new ControlMessage
                    {
                        Type = random.Next(3) switch { 0 => "hello", 1 => "result", _ => "cmd" },
                        Id = random.Next(),
                        Serial = random.Next(2) == 0 ? "SN" + random.Next() : null,
                        TunnelPorts = random.Next(2) == 0 ? [80, 554] : [],
                        Body = random.Next(2) == 0 ? """{"a":[1,2,{"b":null}]}"""u8.ToArray() : null,
                    };
                    return MemorySession.Frame(MuxFrameType.Control, 0, m.ToJson());
            }
        }
    }

    [Test]
    public async Task LiveSessionSurvivesOnlyAsLinkProtocolException()
    {
        var random = new Random(Seed + 2);
        var generator = new Generator(random);
        var options = new LinkOptions();
        var unexpected = new List<string>();
        var reasons = new Dictionary<string, int>();
        long frames = 0, authenticatedMutations = 0, corruptedCiphertexts = 0, links = 0;
        long peakBuffered = 0;
        var held = new List<MuxStream>();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryBefore = GC.GetTotalMemory(true);
        var clock = Stopwatch.StartNew();

        MemoryLink NewLink()
        {
            links++;
            generator.Reset();
            held.Clear();
            // The first link is a real handshake; thousands more follow, keyed at random.
            var l = links == 1 ? MemoryLink.Create(options) : MemoryLink.CreateWithoutHandshake(random, options);
            // The initiator only speaks here; what the responder answers is read and dropped.
            l.Initiator.Processing = false;
            l.Responder.Serve = links % 3 == 0 ? ServeMode.Echo : ServeMode.Hold;
            if (links % 200 == 2)
            {
                // Now and then a link fills its streams' windows before the mutations start.
                l.Responder.Serve = ServeMode.Hold;
                generator.CalmFrames = 150;
            }
            return l;
        }

        var link = NewLink();
        try
        {
            while (authenticatedMutations + corruptedCiphertexts < Iterations)
            {
                if (clock.Elapsed > s_budget)
                {
                    Assert.Fail($"seed {Seed + 2}: only {frames} frames in {s_budget}");
                }
                byte[] body;
                byte[]? sent = null;
                var roll = generator.CalmFrames > 0 ? 100 : random.Next(100);
                if (roll < 10)
                {
                    // Corrupted ciphertext: the tag must catch it, whatever was changed.
                    var sealedFrame = link.Initiator.Seal(generator.Next());
                    body = Mutate(sealedFrame, random);
                    corruptedCiphertexts++;
                }
                else
                {
                    var plain = generator.Next();
                    if (roll < 50)
                    {
                        plain = Mutate(plain, random);
                        authenticatedMutations++;
                    }
                    if (plain.Length > LinkFraming.MaxPlaintextLength)
                    {
                        plain = plain[..LinkFraming.MaxPlaintextLength];
                    }
                    sent = plain;
                    body = link.Initiator.Seal(plain);
                }

                frames++;
                string? closedBy = null;
                try
                {
                    await link.Responder.ProcessFrameAsync(body);
                }
                catch (LinkProtocolException e)
                {
                    closedBy = e.Reason;
                }
                catch (Exception e)
                {
                    if (unexpected.Count < 20)
                    {
                        unexpected.Add($"frame {frames}, plaintext {(sent is null ? "(corrupted ciphertext)" : Convert.ToHexString(sent.AsSpan(0, Math.Min(sent.Length, 200))))}: {e}");
                    }
                    closedBy = "unexpected";
                }

                while (link.Responder.Accepted.Reader.TryRead(out var s))
                {
                    held.Add(s);
                }
                long buffered = 0;
                foreach (var s in held)
                {
                    var b = s.Buffered;
                    Assert.That(b, Is.LessThanOrEqualTo(options.StreamWindow), $"seed {Seed + 2}: one stream buffered past its window");
                    buffered += b;
                }
                peakBuffered = Math.Max(peakBuffered, buffered);
                Assert.That(buffered, Is.LessThanOrEqualTo(options.SessionBufferCap), $"seed {Seed + 2}: the session buffered past its cap");
                Assert.That(link.Responder.StreamCount, Is.LessThanOrEqualTo(options.MaxStreams));

                if (closedBy is not null || link.Responder.IsClosed)
                {
                    closedBy ??= link.Responder.CloseReason ?? "closed";
                    reasons[closedBy] = reasons.GetValueOrDefault(closedBy) + 1;
                    link.Responder.Close(closedBy);
                    Assert.That(held.Sum(s => (long)s.Buffered), Is.Zero, "a closed session releases its buffers");
                    await link.DisposeAsync();
                    link = NewLink();
                }
            }
        }
        finally
        {
            await link.DisposeAsync();
        }

        var elapsed = clock.Elapsed;
        held.Clear();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = GC.GetTotalMemory(true) - memoryBefore;

        TestContext.Out.WriteLine($"seed {Seed + 2}: {frames} frames ({authenticatedMutations} authenticated mutations, {corruptedCiphertexts} corrupted ciphertexts) over {links} links in {elapsed.TotalSeconds:F1} s; peak buffered {peakBuffered} bytes; memory growth {growth / 1024} KiB");
        TestContext.Out.WriteLine("closed by: " + string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}")));
        Assert.That(unexpected, Is.Empty, $"seed {Seed + 2}: exceptions other than LinkProtocolException escaped:\n" + string.Join("\n", unexpected));
        Assert.That(authenticatedMutations + corruptedCiphertexts, Is.GreaterThanOrEqualTo(Iterations));
        Assert.That(frames, Is.GreaterThan(authenticatedMutations + corruptedCiphertexts), "well-formed frames between the mutations build up state");
        Assert.That(authenticatedMutations, Is.GreaterThan(Iterations / 2));
        Assert.That(corruptedCiphertexts, Is.GreaterThan(Iterations / 10));
        Assert.That(reasons.GetValueOrDefault("bad_tag"), Is.GreaterThan(0));
        Assert.That(reasons.Keys, Has.Count.GreaterThanOrEqualTo(10), "the mutations must reach many different checks");
        Assert.That(peakBuffered, Is.GreaterThan(options.SessionBufferCap / 2), "some sessions must have filled many windows");
        Assert.That(reasons.GetValueOrDefault("flow_control_violation"), Is.GreaterThan(0), "some mutations must overrun a full window");
        Assert.That(elapsed, Is.LessThan(s_budget));
        Assert.That(growth, Is.LessThan(64L * 1024 * 1024), "memory stays bounded");
    }
}
