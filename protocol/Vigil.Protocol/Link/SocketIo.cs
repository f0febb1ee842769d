using System.Net.Sockets;

namespace Vigil.Protocol.Link;

/// <summary>The two loops every socket end of a link needs: send all of a buffer, fill all of one.</summary>
public static class SocketIo
{
    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (data.Length > 0)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
        }
    }

    /// <summary>Fills the buffer; throws <see cref="EndOfStreamException"/> when the peer closes first.</summary>
    public static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("the peer closed the connection");
            }
            buffer = buffer[n..];
        }
    }
}
