using System.Net;
using System.Net.Sockets;

namespace Vigil.Onvif.Client;

/// <summary>HTTP handlers fit for talking to cameras.</summary>
public static class OnvifHttp
{
    /// <summary>
    /// A handler for a LAN: no proxy (an installer's http_proxy must not carry LAN requests), no
    /// redirects, no cookies, a short connect timeout and few connections per camera.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = connectTimeout,
        MaxConnectionsPerServer = 2,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
        MaxResponseHeadersLength = 64, // KiB
        AutomaticDecompression = DecompressionMethods.None,
    };

    /// <summary>
    /// A handler whose connections come from <paramref name="connect"/> instead of the network: it
    /// gets the host and port of the URI being requested and returns any duplex stream to the
    /// device (a relay tunnel, an SSH channel, an in-memory pipe). The URI's host then only names
    /// the device; it is never resolved.
    /// </summary>
    public static SocketsHttpHandler ConnectThrough(Func<DnsEndPoint, CancellationToken, ValueTask<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var handler = CreateHandler(TimeSpan.FromSeconds(10));
        handler.ConnectCallback = (context, ct) => connect(context.DnsEndPoint, ct);
        return handler;
    }

    /// <summary>A plain TCP connect, the default behaviour, for callers that wrap it.</summary>
    public static async ValueTask<Stream> ConnectTcpAsync(DnsEndPoint endPoint, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
