using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// One UDP socket of a discovery protocol: bound to the wildcard address (so that it receives both
/// unicast answers and, when it joins groups, multicast), sending multicast out of one interface at
/// a time, and a receive loop that gates and copies each datagram into the scan's queue.
/// </summary>
internal sealed class UdpChannel : IDisposable
{
    /// <summary>The largest UDP payload; bigger cannot arrive, so a 64 KiB buffer never truncates.</summary>
    private const int BufferSize = 65536;

    private readonly ILogger _logger;
    private readonly Socket _socket;

    private UdpChannel(ScanProtocols protocol, Socket socket, ILogger logger)
    {
        Protocol = protocol;
        _socket = socket;
        _logger = logger;
    }

    public ScanProtocols Protocol { get; }

    public AddressFamily Family => _socket.AddressFamily;

    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>
    /// Binds [any]:port. A fixed port is shared (SO_REUSEADDR) with other listeners on this machine;
    /// if it is taken anyway, and <paramref name="fallBackToAnyPort"/>, an ephemeral port is used and
    /// only unicast answers will arrive. Null when the family is not available at all.
    /// </summary>
    public static UdpChannel? Open(ScanProtocols protocol, AddressFamily family, int port, bool fallBackToAnyPort, ILogger logger)
    {
        Socket socket;
        try
        {
            socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        }
        catch (SocketException e)
        {
            ScanLog.SocketUnavailable(logger, protocol, family, e.Message);
            return null;
        }
        try
        {
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.EnableBroadcast = family == AddressFamily.InterNetwork;
            // Our own probes must not come back to our own listeners as if a device had sent them.
            if (family == AddressFamily.InterNetwork)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, false);
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, false);
            }
            socket.ReceiveBufferSize = 1024 * 1024;
            var any = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
            try
            {
                socket.Bind(new IPEndPoint(any, port));
            }
            catch (SocketException e) when (port != 0 && fallBackToAnyPort)
            {
                ScanLog.PortTaken(logger, protocol, port, e.Message);
                socket.Bind(new IPEndPoint(any, 0));
            }
            return new UdpChannel(protocol, socket, logger);
        }
        catch (SocketException e)
        {
            ScanLog.SocketUnavailable(logger, protocol, family, e.Message);
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Joins a multicast group on one interface, so that group traffic there reaches this socket.</summary>
    public void Join(IPAddress group, ScanInterface ifc)
    {
        try
        {
            if (group.AddressFamily == AddressFamily.InterNetwork)
            {
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, ifc.Index));
            }
            else
            {
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, ifc.Index));
            }
        }
        catch (SocketException e)
        {
            ScanLog.JoinFailed(_logger, Protocol, group, ifc.Name, e.Message);
        }
    }

    /// <summary>Sends to a multicast group out of the given interface.</summary>
    public void SendMulticast(byte[] payload, IPEndPoint group, ScanInterface ifc)
    {
        try
        {
            if (group.AddressFamily == AddressFamily.InterNetwork)
            {
                // By the interface's own address: the form every kernel takes for IP_MULTICAST_IF.
                var bytes = ifc.IPv4[0].Address.GetAddressBytes();
                _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, BitConverter.ToInt32(bytes));
            }
            else
            {
                _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, ifc.Index);
            }
            _socket.SendTo(payload, group);
        }
        catch (SocketException e)
        {
            ScanLog.SendFailed(_logger, Protocol, group.ToString(), ifc.Name, e.Message);
        }
    }

    /// <summary>Sends to one address; false (and logged) when the kernel refuses.</summary>
    public bool SendTo(byte[] payload, IPEndPoint to)
    {
        try
        {
            _socket.SendTo(payload, to);
            return true;
        }
        catch (SocketException e)
        {
            ScanLog.SendFailed(_logger, Protocol, to.ToString(), "", e.Message);
            return false;
        }
    }

    /// <summary>Receives until cancelled: gate, copy, queue. A full queue drops the datagram, it never blocks the socket.</summary>
    public async Task ReceiveAsync(ChannelWriter<Datagram> queue, SourceGate gate, Action onQueueFull, CancellationToken ct)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
        EndPoint any = Family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            var remote = (IPEndPoint)received.RemoteEndPoint;
            switch (gate.Admit(Protocol, remote.Address))
            {
                case SourceGate.Verdict.FirstDrop:
                    ScanLog.Flood(_logger, Protocol, remote.Address);
                    continue;
                case SourceGate.Verdict.Drop:
                    continue;
            }
            var payload = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            if (!queue.TryWrite(new Datagram(Protocol, payload, remote, received.PacketInformation.Interface)))
            {
                onQueueFull();
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
