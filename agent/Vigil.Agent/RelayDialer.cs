using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Agent;

/// <summary>Opens the TCP connection to a relay: directly, or through an HTTP proxy's CONNECT.</summary>
internal static class RelayDialer
{
    /// <summary>The proxy's answer head is read up to this many bytes: a proxy is on the network too.</summary>
    private const int MaxProxyResponse = 8192;

    public static async Task<TcpConnection> ConnectAsync(RelayEndpoint relay, ProxyEndpoint? proxy, CancellationToken ct)
    {
        var (host, port) = proxy is null ? (relay.Host, relay.Port) : (proxy.Host, proxy.Port);
        var connection = await TcpConnection.ConnectAnyAsync(await HostResolver.ResolveAsync(host, ct).ConfigureAwait(false), port, ct).ConfigureAwait(false);
        try
        {
            connection.KeepAlive();
            if (proxy is not null)
            {
                // The proxy's answer is read with blocking calls: a cancellation closes the connection under them.
                using var cancel = ct.Register(connection.Dispose);
                try
                {
                    ProxyConnect(connection, relay, proxy);
                }
                catch (Exception e) when (ct.IsCancellationRequested && e is SocketException or IOException or ObjectDisposedException)
                {
                    throw new OperationCanceledException(ct);
                }
            }
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void ProxyConnect(TcpConnection connection, RelayEndpoint relay, ProxyEndpoint proxy)
    {
        var target = relay.ToString();
        var request = new StringBuilder()
            .Append("CONNECT ").Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(target).Append("\r\n");
        if (proxy.UserInfo is not null)
        {
            request.Append("Proxy-Authorization: Basic ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(proxy.UserInfo))).Append("\r\n");
        }
        request.Append("\r\n");
        connection.Send(Encoding.ASCII.GetBytes(request.ToString()));

        // Read the answer a byte at a time up to the blank line: the relay's bytes follow it and must
        // stay in the connection for the handshake.
        var head = new byte[MaxProxyResponse];
        var length = 0;
        while (true)
        {
            if (length == head.Length)
            {
                throw new IOException($"the proxy {proxy} sent an answer head over {MaxProxyResponse} bytes");
            }
            var n = connection.Receive(head.AsSpan(length, 1));
            if (n == 0)
            {
                throw new IOException($"the proxy {proxy} closed the connection during CONNECT");
            }
            length++;
            if (length >= 4 && head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                break;
            }
        }
        var statusLine = Encoding.ASCII.GetString(head, 0, Math.Max(0, head.AsSpan(0, length).IndexOf("\r\n"u8)));
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1] != "200")
        {
            throw new IOException($"the proxy {proxy} refused CONNECT {target}: {statusLine}");
        }
    }
}
