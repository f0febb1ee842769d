using System.Buffers.Binary;
using System.Net.Sockets;
using Vigil.Stack;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Relay.Tests;

/// <summary>
/// A link driven by hand: the real handshake and hello, then frames written raw, so a test can
/// replay, tamper or fall silent the way a broken or hostile peer would.
/// </summary>
internal sealed class RawSession
{
    private readonly CipherState _send;

    private RawSession(TcpClient client, CipherState send, string deviceId)
    {
        Client = client;
        _send = send;
        DeviceId = deviceId;
    }

    public TcpClient Client { get; }
    public string DeviceId { get; }

    public static async Task<RawSession> ConnectAsync(RelayProcess relay, KeyPair key)
    {
        var client = new TcpClient();
        await client.ConnectAsync(relay.AgentEndPoint);
        var stream = client.GetStream();
        var preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);
        var hs = LinkHandshake.CreateInitiator(key, relay.PublicKey, preamble, NativeChaChaPolyFactory.Instance);
        var first = new byte[HandshakeFrame.MaxInitiationLength];
        await stream.WriteAsync(first.AsMemory(0, HandshakeFrame.WriteInitiation(hs, preamble, first)));
        hs.ReadMessage(await HandshakeFrame.ReadMessageAsync(stream), new byte[HandshakeFrame.MaxMessageLength]);
        var (send, _) = hs.Split();
        var session = new RawSession(client, send, DeviceIdentity.DeviceId(key.PublicKey));
        var hello = new ControlMessage { Type = ControlMessage.Hello, Serial = "RAW" }.ToJson();
        var plain = new byte[MuxFrame.HeaderLength + hello.Length];
        MuxFrame.WriteHeader(plain, MuxFrameType.Control, 0);
        hello.CopyTo(plain, MuxFrame.HeaderLength);
        await session.SendAsync(session.Encrypt(plain));
        // Wait until the relay lists the session: the hello was taken.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!await TestEnv.Listed(relay, session.DeviceId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        return session;
    }

    public byte[] Encrypt(ReadOnlySpan<byte> plaintext)
    {
        var frame = new byte[2 + plaintext.Length + LinkFraming.TagLength];
        var n = _send.EncryptWithAd(default, plaintext, frame.AsSpan(2));
        LinkFraming.WriteHeader(frame, n);
        return frame;
    }

    public byte[] EncryptPing()
    {
        var plain = new byte[MuxFrame.HeaderLength + MuxFrame.PingLength];
        MuxFrame.WriteHeader(plain, MuxFrameType.Ping, 0);
        BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(MuxFrame.HeaderLength), 1);
        return Encrypt(plain);
    }

    public async Task SendAsync(byte[] frame) => await Client.GetStream().WriteAsync(frame);
}
