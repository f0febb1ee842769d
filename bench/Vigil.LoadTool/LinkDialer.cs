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
        var buffer = new byte[LinkFraming.MaxHandshakeLength];
        var n = handshake.WriteMessage(default, buffer.AsSpan(LinkPreamble.Length + LinkFraming.HeaderLength));
        preamble.CopyTo(buffer, 0);
        LinkFraming.WriteHeader(buffer.AsSpan(LinkPreamble.Length), n);
        await SocketIo.SendAllAsync(socket, buffer.AsMemory(0, LinkPreamble.Length + LinkFraming.HeaderLength + n), ct).ConfigureAwait(false);
        await SocketIo.ReceiveExactlyAsync(socket, buffer.AsMemory(0, 2), ct).ConfigureAwait(false);
        var length = LinkFraming.ReadHeader(buffer);
        if (length > LinkFraming.MaxHandshakeLength)
        {
            throw new IOException("handshake reply over the cap");
        }
        await SocketIo.ReceiveExactlyAsync(socket, buffer.AsMemory(0, length), ct).ConfigureAwait(false);
        handshake.ReadMessage(buffer.AsSpan(0, length), new byte[LinkFraming.MaxHandshakeLength]);
        return handshake.Split();
    }
}
