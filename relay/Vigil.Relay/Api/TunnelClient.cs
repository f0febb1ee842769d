using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Relay.Api;

/// <summary>
/// Opens a tunnel through a relay's node API: the HTTP/1.1 upgrade, then a raw byte stream to the
/// camera's port. Used by `vigil-relay forward`, the portal and the tests.
/// </summary>
public static class TunnelClient
{
    private const int MaxResponseHead = 8192;

    public static async Task<NetworkStream> ConnectAsync(EndPoint api, string deviceId, int port, string token, CancellationToken ct = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(api, ct).ConfigureAwait(false);
            var request = $"GET /v1/tunnel/{Uri.EscapeDataString(deviceId)}/{port} HTTP/1.1\r\nHost: {api}\r\nConnection: Upgrade\r\nUpgrade: {TunnelEndpoint.UpgradeToken}\r\nAuthorization: Bearer {token}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct).ConfigureAwait(false);
            // One byte at a time up to the blank line: the tunnel's bytes follow it.
            var head = new byte[MaxResponseHead];
            var length = 0;
            while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                if (length == head.Length || await socket.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, ct).ConfigureAwait(false) == 0)
                {
                    throw new TunnelRefusedException(0, "the relay closed the connection or sent an oversize answer");
                }
                length++;
            }
            var text = Encoding.ASCII.GetString(head, 0, length);
            var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
            if (status != 101)
            {
                // The body is a short JSON error; read what is there for the message.
                var body = new byte[1024];
                var n = socket.Available > 0 ? await socket.ReceiveAsync(body, SocketFlags.None, ct).ConfigureAwait(false) : 0;
                throw new TunnelRefusedException(status, Encoding.UTF8.GetString(body, 0, n));
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

public sealed class TunnelRefusedException(int status, string message) : IOException($"tunnel refused ({status}): {message}")
{
    public int Status { get; } = status;
}
