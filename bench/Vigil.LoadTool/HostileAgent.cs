using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.LoadTool;

/// <summary>What a hostile agent floods a relay with.</summary>
public enum HostileFlood
{
    /// <summary>PING after PING, the answers never read: one PONG owed per frame.</summary>
    Ping,
    /// <summary>WINDOW credit for streams that do not exist.</summary>
    Window,
    /// <summary>OPEN of new streams without end: each one refused with a RESET the relay owes.</summary>
    Open,
    /// <summary>DATA for streams that do not exist, as large as a frame holds.</summary>
    Data,
    /// <summary>CONTROL messages of the largest size (stats, results for no command, unknown kinds).</summary>
    Control,
    /// <summary>RESET of streams that do not exist.</summary>
    Reset,
}

/// <summary>
/// An agent that breaks the rules on purpose, on the real handshake and framing: it says hello (with
/// a fresh key, any serial and enrolment token), then writes frames as fast as the socket takes them
/// and never reads what the relay answers. For the attack suite and the flood benchmark.
/// </summary>
public sealed class HostileAgent : IDisposable
{
    private readonly Socket _socket;
    private readonly CipherState _send;
    private readonly CipherState _receive;
    private uint _nextStream = 1;
    private long _counter;

    private HostileAgent(Socket socket, CipherState send, CipherState receive, string deviceId)
    {
        _socket = socket;
        _send = send;
        _receive = receive;
        DeviceId = deviceId;
    }

    public string DeviceId { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesSent { get; private set; }

    /// <summary>Dials, runs the handshake and sends the hello; reads nothing after the handshake.</summary>
    public static async Task<HostileAgent> ConnectAsync(EndPoint relay, ReadOnlyMemory<byte> relayKey, string serial = "HOSTILE",
        string? enrollToken = null, CancellationToken ct = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
        try
        {
            using var key = KeyPair.Generate();
            await socket.ConnectAsync(relay, ct).ConfigureAwait(false);
            var (send, receive) = await LinkDialer.HandshakeAsync(socket, relayKey, key, NativeChaChaPolyFactory.Instance, null, ct).ConfigureAwait(false);
            var agent = new HostileAgent(socket, send, receive, DeviceIdentity.DeviceId(key.PublicKey));
            var hello = new ControlMessage { Type = ControlMessage.Hello, Serial = serial, Model = "hostile", AgentVersion = "0", EnrollToken = enrollToken };
            await agent.SendAsync(agent.Frame(MuxFrameType.Control, 0, hello.ToJson()), ct).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One encrypted transport frame carrying a mux frame (length prefix included).</summary>
    public byte[] Frame(MuxFrameType type, uint streamId, ReadOnlySpan<byte> body)
    {
        var plain = new byte[MuxFrame.HeaderLength + body.Length];
        MuxFrame.WriteHeader(plain, type, streamId);
        body.CopyTo(plain.AsSpan(MuxFrame.HeaderLength));
        var frame = new byte[LinkFraming.HeaderLength + plain.Length + LinkFraming.TagLength];
        var n = _send.EncryptWithAd(default, plain, frame.AsSpan(LinkFraming.HeaderLength));
        LinkFraming.WriteHeader(frame, n);
        return frame;
    }

    /// <summary>The next frame of a flood.</summary>
    public byte[] NextFrame(HostileFlood kind)
    {
        var i = ++_counter;
        switch (kind)
        {
            case HostileFlood.Ping:
                Span<byte> ping = stackalloc byte[MuxFrame.PingLength];
                BinaryPrimitives.WriteInt64BigEndian(ping, i);
                return Frame(MuxFrameType.Ping, 0, ping);
            case HostileFlood.Window:
                Span<byte> credit = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(credit, 65536);
                return Frame(MuxFrameType.Window, (uint)(2 * i), credit);
            case HostileFlood.Open:
                Span<byte> port = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(port, 554);
                var id = _nextStream;
                _nextStream += 2;
                return Frame(MuxFrameType.Open, id, port);
            case HostileFlood.Data:
                return Frame(MuxFrameType.Data, (uint)(2 * i), new byte[MuxFrame.MaxBodyLength]);
            case HostileFlood.Control:
                return Frame(MuxFrameType.Control, 0, LargeControl(i));
            case HostileFlood.Reset:
                Span<byte> reset = stackalloc byte[2 + 64];
                BinaryPrimitives.WriteUInt16BigEndian(reset, (ushort)MuxError.Cancel);
                reset[2..].Fill((byte)'x');
                return Frame(MuxFrameType.Reset, (uint)(2 * i), reset);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>A control message as large as the protocol allows, of one of the kinds an agent may send.</summary>
    private static byte[] LargeControl(long i)
    {
        var kind = (i % 3) switch { 0 => "stats", 1 => "result", _ => "no_such_kind" };
        var prefix = kind == "stats" ? "{\"t\":\"stats\",\"stats\":{\"pad\":\"" : $"{{\"t\":\"{kind}\",\"id\":{i},\"ok\":true,\"pad\":\"";
        var suffix = kind == "stats" ? "\"}}" : "\"}";
        var pad = MuxFrame.MaxControlLength - prefix.Length - suffix.Length;
        return Encoding.ASCII.GetBytes(prefix + new string('a', pad) + suffix);
    }

    /// <summary>
    /// Writes frames of <paramref name="kind"/> as fast as the socket takes them, reading nothing,
    /// until <paramref name="duration"/> is over. True when the relay closed the connection first.
    /// </summary>
    public async Task<bool> FloodAsync(HostileFlood kind, TimeSpan duration, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(duration);
        var batch = new List<byte>(256 * 1024);
        try
        {
            while (!timeout.IsCancellationRequested)
            {
                batch.Clear();
                while (batch.Count < 128 * 1024)
                {
                    batch.AddRange(NextFrame(kind));
                    FramesSent++;
                }
                await SocketIo.SendAllAsync(_socket, batch.ToArray(), timeout.Token).ConfigureAwait(false);
            }
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>
    /// Whether the relay has closed the connection: reads (and drops) what it sent until the end of
    /// the stream or <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async Task SendAsync(byte[] frame, CancellationToken ct = default) => await SocketIo.SendAllAsync(_socket, frame, ct).ConfigureAwait(false);

    /// <summary>
    /// Reads frames until a control message arrives, and returns it: for the tests that need the
    /// relay's answer to the hello (hello_ok, or a go-away). Null when the connection ends first.
    /// </summary>
    public async Task<ControlMessage?> ReadControlAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var header = new byte[LinkFraming.HeaderLength];
        var body = new byte[LinkFraming.MaxFrameLength];
        var plain = new byte[LinkFraming.MaxFrameLength];
        try
        {
            while (true)
            {
                await SocketIo.ReceiveExactlyAsync(_socket, header, cts.Token).ConfigureAwait(false);
                var length = LinkFraming.ReadHeader(header);
                await SocketIo.ReceiveExactlyAsync(_socket, body.AsMemory(0, length), cts.Token).ConfigureAwait(false);
                var n = _receive.DecryptWithAd(default, body.AsSpan(0, length), plain);
                if (MuxFrame.TryParse(plain.AsSpan(0, n), out var frame, out _) && frame.Type == MuxFrameType.Control)
                {
                    return ControlMessage.Parse(frame.Body);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _send.Dispose();
        _receive.Dispose();
    }
}
