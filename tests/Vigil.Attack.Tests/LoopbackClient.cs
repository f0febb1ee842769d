using System.Net;
using System.Net.Sockets;

namespace Vigil.Attack.Tests;

/// <summary>
/// HTTP clients that connect from a loopback address of their choosing (127.0.0.2, 127.0.0.3...):
/// Linux routes all of 127/8 to lo, so each is a distinct client address as the portal sees it,
/// with no proxy and no header involved.
/// </summary>
internal static class LoopbackClient
{
    public static HttpClient From(string localAddress, Uri portal)
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = portal };
    }
}
