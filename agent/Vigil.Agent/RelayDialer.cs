using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Agent;

/// <summary>Opens the TCP connection to a relay: directly, or through an HTTP proxy's CONNECT.</summary>
internal static class RelayDialer
{
    /// <summary>The proxy's answer head is read up to this many bytes: a proxy is on the network too.</summary>
    private const int MaxProxyResponse = 8192;

    public static async Task<Socket> ConnectAsync(RelayEndpoint relay, ProxyEndpoint? proxy, CancellationToken ct)
    {
        var (host, port) = proxy is null ? (relay.Host, relay.Port) : (proxy.Host, proxy.Port);
        var socket = await ConnectAnyAsync(await HostResolver.ResolveAsync(host, ct).ConfigureAwait(false), port, ct).ConfigureAwait(false);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            if (proxy is not null)
            {
                await ProxyConnectAsync(socket, relay, proxy, ct).ConfigureAwait(false);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Tries the addresses in the resolver's order and returns the first connected socket, as
    /// Socket.ConnectAsync(host, port) does: a dual-mode socket where the kernel has IPv6, so that
    /// IPv4 peers keep showing as IPv4-mapped addresses; the last failure if none connects.
    /// </summary>
    private static async Task<Socket> ConnectAnyAsync(IPAddress[] addresses, int port, CancellationToken ct)
    {
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && socket.AddressFamily != AddressFamily.InterNetworkV6)
            {
                socket.Dispose();
                continue;
            }
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.AddressFamilyNotSupported);
    }

    private static async Task ProxyConnectAsync(Socket socket, RelayEndpoint relay, ProxyEndpoint proxy, CancellationToken ct)
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
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, ct).ConfigureAwait(false);

        // Read the answer a byte at a time up to the blank line: the relay's bytes follow it and must
        // stay in the socket for the handshake.
        var head = new byte[MaxProxyResponse];
        var length = 0;
        while (true)
        {
            if (length == head.Length)
            {
                throw new IOException($"the proxy {proxy} sent an answer head over {MaxProxyResponse} bytes");
            }
            var n = await socket.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, ct).ConfigureAwait(false);
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
