using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// A UDP socket of the simulator with its receive loop. Listeners bind the wildcard address and
/// join a group on every interface of the namespace; device sockets bind the device's own address,
/// so that answers leave from it (the kernel hands unicast to the most specific binding).
/// </summary>
public sealed class SimSocket : IDisposable
{
    private readonly Socket _socket;

    private SimSocket(Socket socket) => _socket = socket;

    public IPEndPoint Local => (IPEndPoint)_socket.LocalEndPoint!;

    public static SimSocket Bind(IPAddress address, int port)
    {
        var s = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            s.DualMode = false;
            s.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
        }
        else
        {
            s.EnableBroadcast = true;
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
        }
        s.SendBufferSize = 4 * 1024 * 1024;
        s.Bind(new IPEndPoint(address, port));
        return new SimSocket(s);
    }

    /// <summary>A wildcard listener joined to <paramref name="group"/> on every interface of the namespace.</summary>
    public static SimSocket Listen(IPAddress group, int port)
    {
        var family = group.AddressFamily;
        var socket = Bind(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, port);
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }
            var props = ni.GetIPProperties();
            try
            {
                if (family == AddressFamily.InterNetwork && props.UnicastAddresses.Any(u => u.Address.AddressFamily == family))
                {
                    socket._socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, props.GetIPv4Properties().Index));
                }
                else if (family == AddressFamily.InterNetworkV6 && props.UnicastAddresses.Any(u => u.Address.IsIPv6LinkLocal))
                {
                    socket._socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, props.GetIPv6Properties().Index));
                }
            }
            catch (Exception e) when (e is SocketException or NetworkInformationException)
            {
                Console.Error.WriteLine($"camsim: cannot join {group} on {ni.Name}: {e.Message}");
            }
        }
        return socket;
    }

    /// <summary>Sends; for a multicast destination, out of the interface that holds this socket's address.</summary>
    public void Send(ReadOnlySpan<byte> payload, IPEndPoint to)
    {
        try
        {
            if (to.Address.IsIPv6Multicast || (to.AddressFamily == AddressFamily.InterNetwork && to.Address.GetAddressBytes()[0] is >= 224 and <= 239))
            {
                if (to.AddressFamily == AddressFamily.InterNetwork)
                {
                    _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, BitConverter.ToInt32(Local.Address.GetAddressBytes()));
                }
            }
            _socket.SendTo(payload, to);
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"camsim: send from {Local} to {to}: {e.Message}");
        }
    }

    public async Task ReceiveAsync(Func<SimSocket, byte[], IPEndPoint, Task> handle, CancellationToken ct)
    {
        var buffer = new byte[65536];
        EndPoint any = Local.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var payload = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            var from = (IPEndPoint)r.RemoteEndPoint;
            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(this, payload, from);
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"camsim: handler on {Local}: {e}");
                }
            }, ct);
        }
    }

    public void Dispose() => _socket.Dispose();
}
