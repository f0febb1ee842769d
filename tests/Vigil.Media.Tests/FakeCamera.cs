using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Agent.Media;

namespace Vigil.Media.Tests;

/// <summary>The faults a sloppy camera has, injected into real RTP.</summary>
internal enum Fault
{
    None,
    NoMarkerBit,
    AnnexBInsideNalUnits,
    SequenceGaps,
    GarbageInterleaved,
    TruncatedAndClosed,
    TenMegabyteFrame,
    NoParameterSetsAnywhere,
    NoInBandParameterSets,
    NoSdpParameterSets,
}

/// <summary>RTP captured from the GStreamer camera: its SDP and its interleaved packets in arrival order.</summary>
internal sealed class Capture
{
    private Capture(string sdp, List<(int Channel, byte[] Packet)> packets) => (Sdp, Packets) = (sdp, packets);

    public string Sdp { get; }
    public List<(int Channel, byte[] Packet)> Packets { get; }

    /// <summary>Records a few seconds of video (channel 0) and audio (channel 2) from a camera, with the agent's own RTSP client.</summary>
    public static Capture Record(string url, TimeSpan length)
    {
        var target = MediaUrl.TryParse(url)!;
        using var connection = RtspConnection.Open(target, CancellationToken.None);
        var describe = connection.Request("DESCRIBE", target.Plain, "Accept: application/sdp\r\n");
        var baseUrl = describe.Header("Content-Base")!;
        var setup = connection.Request("SETUP", baseUrl + "stream=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
        connection.Session = setup.Header("Session")!.Split(';')[0];
        connection.Request("SETUP", baseUrl + "stream=1", "Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n");
        connection.Request("PLAY", baseUrl, "Range: npt=0.000-\r\n");
        var packets = new List<(int, byte[])>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < length)
        {
            if (connection.Next(1000, out var channel, out var payload, out _) == RtspItem.Interleaved && channel is 0 or 2)
            {
                packets.Add((channel, payload.ToArray()));
            }
        }
        return new Capture(Encoding.UTF8.GetString(describe.Body), packets);
    }
}

/// <summary>
/// A fake camera, and said to be one: no real camera misbehaves on demand, so this scripted RTSP
/// server replays RTP captured from the GStreamer camera, in real time and in a loop, with one of
/// the faults real cameras have injected into it. It speaks just enough RTSP for a client.
/// </summary>
internal sealed class FakeCamera : IDisposable
{
    private const int Video = 0;
    private readonly List<Packet> _packets;
    private readonly string _sdp;
    private readonly Fault _fault;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly double _loopSeconds;

    /// <summary>Per channel, how far its timestamps move on per loop: its span in the capture and one step more.</summary>
    private readonly uint[] _loopTicks = new uint[4];
    private int _connections;
    private int _framesSent;

    public FakeCamera(Capture capture, Fault fault)
    {
        _fault = fault;
        _sdp = fault is Fault.NoParameterSetsAnywhere or Fault.NoSdpParameterSets ? WithoutSprop(capture.Sdp) : capture.Sdp;
        _packets = Prepare(capture, fault, out _loopSeconds);
        foreach (var channel in new[] { 0, 2 })
        {
            var stamps = capture.Packets.Where(p => p.Channel == channel).Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.Packet.AsSpan(4))).Distinct().ToList();
            if (stamps.Count > 1)
            {
                _loopTicks[channel] = stamps[^1] - stamps[0] + (stamps[^1] - stamps[^2]);
            }
        }
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(Accept) { IsBackground = true, Name = "fake-camera" }.Start();
    }

    public int Port { get; }
    public string Url => $"rtsp://127.0.0.1:{Port}/stream";
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Video frames sent (whole or broken), over every connection.</summary>
    public int FramesSent => Volatile.Read(ref _framesSent);

    private sealed record Packet(int Channel, byte[] Bytes, double Seconds, bool EndsFrame);

    private static string WithoutSprop(string sdp)
    {
        var i = sdp.IndexOf(";sprop-parameter-sets=", StringComparison.Ordinal);
        var end = sdp.IndexOfAny([';', '\r', '\n'], i + 1);
        return sdp[..i] + sdp[end..];
    }

    private static int NalType(byte[] rtp) => rtp[12] & 0x1F;

    /// <summary>The capture with the fault applied where it changes what is sent rather than how.</summary>
    private static List<Packet> Prepare(Capture capture, Fault fault, out double loopSeconds)
    {
        var list = new List<Packet>();
        uint? first = null;
        var seconds = 0.0;
        foreach (var (channel, bytes) in capture.Packets)
        {
            if (channel == Video)
            {
                var ts = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4));
                first ??= ts;
                seconds = (ts - first.Value) / 90000.0;
                if (fault is Fault.NoParameterSetsAnywhere or Fault.NoInBandParameterSets && NalType(bytes) is 7 or 8)
                {
                    continue;
                }
            }
            list.Add(new Packet(channel, bytes, seconds, channel == Video && (bytes[1] & 0x80) != 0));
        }
        loopSeconds = seconds + 0.04;
        if (fault == Fault.AnnexBInsideNalUnits)
        {
            list = GlueWithStartCodes(list);
        }
        else if (fault == Fault.TenMegabyteFrame)
        {
            list = WithHugeFrame(list);
        }
        return list;
    }

    /// <summary>
    /// Runs of single NAL unit packets of one frame become one packet with Annex-B start codes between
    /// the units (SPS, PPS and SEI before an IDR, as some cameras send them), and each remaining single
    /// NAL unit packet gets a start code in front.
    /// </summary>
    private static List<Packet> GlueWithStartCodes(List<Packet> packets)
    {
        var result = new List<Packet>();
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            if (p.Channel != Video || NalType(p.Bytes) is 0 or > 23)
            {
                result.Add(p);
                continue;
            }
            var glued = new List<byte>(p.Bytes);
            var timestamp = p.Bytes.AsSpan(4, 4).ToArray();
            var endsFrame = p.EndsFrame;
            var j = i + 1;
            while (j < packets.Count && !endsFrame && packets[j].Channel == Video && NalType(packets[j].Bytes) is >= 1 and <= 23
                && packets[j].Bytes.AsSpan(4, 4).SequenceEqual(timestamp))
            {
                glued.AddRange(j % 2 == 0 ? [0, 0, 1] : [0, 0, 0, 1]);
                glued.AddRange(packets[j].Bytes.AsSpan(12).ToArray());
                glued[1] = packets[j].Bytes[1];
                endsFrame = packets[j].EndsFrame;
                j++;
            }
            if (j == i + 1)
            {
                glued.InsertRange(12, [0, 0, 0, 1]);
            }
            result.Add(p with { Bytes = [.. glued], EndsFrame = endsFrame });
            i = j - 1;
        }
        return result;
    }

    /// <summary>A 10 MB non-IDR slice, in FU-A fragments, after the frame that ends two seconds in.</summary>
    private static List<Packet> WithHugeFrame(List<Packet> packets)
    {
        var at = packets.FindIndex(p => p.EndsFrame && p.Seconds >= 2);
        var after = packets[at];
        var ts = BinaryPrimitives.ReadUInt32BigEndian(after.Bytes.AsSpan(4)) + 1800;
        var result = packets.Take(at + 1).ToList();
        var body = new byte[10 * 1024 * 1024];
        new Random(11).NextBytes(body);
        for (var offset = 0; offset < body.Length; offset += 1400)
        {
            var n = Math.Min(1400, body.Length - offset);
            var last = offset + n == body.Length;
            var rtp = new byte[12 + 2 + n];
            after.Bytes.AsSpan(0, 12).CopyTo(rtp);
            rtp[1] = (byte)(rtp[1] & 0x7F | (last ? 0x80 : 0));
            BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(4), ts);
            rtp[12] = 0x41 & 0xE0 | 28;
            rtp[13] = (byte)((offset == 0 ? 0x80 : 0) | (last ? 0x40 : 0) | 1);
            body.AsSpan(offset, n).CopyTo(rtp.AsSpan(14));
            result.Add(new Packet(Video, rtp, after.Seconds, last));
        }
        result.AddRange(packets.Skip(at + 1));
        return result;
    }

    private void Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = _listener.AcceptTcpClient();
            }
            catch (SocketException)
            {
                return;
            }
            var n = Interlocked.Increment(ref _connections);
            new Thread(() => Serve(client, n)) { IsBackground = true }.Start();
        }
    }

    private void Serve(TcpClient client, int connection)
    {
        using var _ = client;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        var gate = new object();
        Thread? sender = null;
        var ended = new CancellationTokenSource();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var requestLine = reader.ReadLine();
                if (requestLine is null)
                {
                    break;
                }
                if (requestLine.Length == 0)
                {
                    continue;
                }
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                string? line;
                while (!string.IsNullOrEmpty(line = reader.ReadLine()))
                {
                    var colon = line.IndexOf(':');
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
                var method = requestLine.Split(' ')[0];
                var reply = new StringBuilder($"RTSP/1.0 200 OK\r\nCSeq: {headers.GetValueOrDefault("CSeq")}\r\n");
                var body = "";
                switch (method)
                {
                    case "OPTIONS":
                        reply.Append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN\r\n");
                        break;
                    case "DESCRIBE":
                        reply.Append($"Content-Base: rtsp://127.0.0.1:{Port}/stream/\r\nContent-Type: application/sdp\r\n");
                        body = _sdp;
                        break;
                    case "SETUP":
                        var transport = headers.GetValueOrDefault("Transport", "");
                        reply.Append($"Transport: {transport}\r\nSession: fake{connection};timeout=60\r\n");
                        break;
                    case "PLAY":
                        reply.Append($"Session: fake{connection}\r\n");
                        sender = new Thread(() => Send(stream, gate, connection, ended.Token)) { IsBackground = true };
                        break;
                    case "TEARDOWN":
                        ended.Cancel();
                        break;
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                reply.Append($"Content-Length: {bytes.Length}\r\n\r\n");
                lock (gate)
                {
                    stream.Write(Encoding.ASCII.GetBytes(reply.ToString()));
                    stream.Write(bytes);
                }
                if (method == "PLAY")
                {
                    sender!.Start();
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            ended.Cancel();
            sender?.Join(2000);
        }
    }

    /// <summary>Sends the packets in real time, looping, with sequence numbers and timestamps going on.</summary>
    private void Send(NetworkStream stream, object gate, int connection, CancellationToken ended)
    {
        var random = new Random(connection);
        var sequence = new ushort[4];
        var clock = Stopwatch.StartNew();
        var index = 0;
        try
        {
            for (var loop = 0; !ended.IsCancellationRequested && !_stop.IsCancellationRequested; loop++)
            {
                foreach (var p in _packets)
                {
                    var due = loop * _loopSeconds + p.Seconds;
                    var wait = due - clock.Elapsed.TotalSeconds;
                    if (wait > 0)
                    {
                        Thread.Sleep(TimeSpan.FromSeconds(wait));
                    }
                    if (ended.IsCancellationRequested || _stop.IsCancellationRequested)
                    {
                        return;
                    }
                    index++;
                    var rtp = (byte[])p.Bytes.Clone();
                    BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), sequence[p.Channel]++);
                    var ts = BinaryPrimitives.ReadUInt32BigEndian(rtp.AsSpan(4)) + (uint)loop * _loopTicks[p.Channel];
                    BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(4), ts);
                    if (_fault == Fault.NoMarkerBit)
                    {
                        rtp[1] &= 0x7F;
                    }
                    if (p.EndsFrame)
                    {
                        Interlocked.Increment(ref _framesSent);
                    }
                    if (_fault == Fault.SequenceGaps && p.Channel == Video && index % 97 == 0)
                    {
                        continue; // lost: its sequence number is skipped
                    }
                    var frame = new byte[4 + rtp.Length];
                    frame[0] = (byte)'$';
                    frame[1] = (byte)p.Channel;
                    BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)rtp.Length);
                    rtp.CopyTo(frame, 4);
                    lock (gate)
                    {
                        if (_fault == Fault.GarbageInterleaved && index % 50 == 0)
                        {
                            stream.Write(Garbage(random));
                        }
                        if (_fault == Fault.TruncatedAndClosed && connection == 1 && clock.Elapsed.TotalSeconds > 3)
                        {
                            // Half an interleaved frame, then the connection goes.
                            stream.Write(frame.AsSpan(0, frame.Length / 2));
                            stream.Socket.Shutdown(SocketShutdown.Both);
                            return;
                        }
                        stream.Write(frame);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Noise between frames, a frame on a channel nobody set up, and a '$' frame that is not RTP.</summary>
    private static byte[] Garbage(Random random)
    {
        var noise = new byte[random.Next(50, 400)];
        random.NextBytes(noise);
        var unknownChannel = new byte[4 + 40];
        unknownChannel[0] = (byte)'$';
        unknownChannel[1] = 7;
        unknownChannel[3] = 40;
        unknownChannel[4] = 0x80;
        var notRtp = new byte[4 + 60];
        notRtp[0] = (byte)'$';
        notRtp[3] = 60;
        random.NextBytes(notRtp.AsSpan(4));
        notRtp[4] = 0x00;
        return [.. noise, .. unknownChannel, .. notRtp];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
