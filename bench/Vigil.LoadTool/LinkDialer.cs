using System.Net.Sockets;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.LoadTool;

/// <summary>The agent's side of the preamble and the Noise IK handshake over a connected socket.</summary>
public static class LinkDialer
{
    /// <summary>Runs the handshake; returns the send and receive cipher states of the link.</summary>
    public static async Task<(CipherState Send, CipherState Receive)> HandshakeAsync(Socket socket, ReadOnlyMemory<byte> relayKey, KeyPair key,
        INoiseAeadFactory aead, INoiseDh? dh, CancellationToken ct)
    {
        var preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);
        using var handshake = LinkHandshake.CreateInitiator(key, relayKey.Span, preamble, aead, dh);
        var buffer = new byte[HandshakeFrame.MaxInitiationLength];
        var n = HandshakeFrame.WriteInitiation(handshake, preamble, buffer);
        await SocketIo.SendAllAsync(socket, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        var reply = await HandshakeFrame.ReadMessageAsync(socket, ct).ConfigureAwait(false);
        handshake.ReadMessage(reply, new byte[HandshakeFrame.MaxMessageLength]);
        return handshake.Split();
    }
}
