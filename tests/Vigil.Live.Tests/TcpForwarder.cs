using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Live.Tests;

/// <summary>
/// Makes a loopback-only server (the portal, the node's nginx) reachable at another address of the
/// host, on the same port, and records from which addresses the connections came: the NAT-ed viewer's
/// must all come from its router's outside address.
/// </summary>
internal sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpForwarder(IPAddress address, int port)
    {
        _port = port;
        _listener = new TcpListener(address, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The addresses the forwarded connections came from.</summary>
    public ConcurrentBag<IPAddress> Peers { get; } = [];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Peers.Add(((IPEndPoint)client.Client.RemoteEndPoint!).Address);
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _port, _stop.Token);
                using var a = client.GetStream();
                using var b = server.GetStream();
                // Either side closing ends both: HTTP keeps no half-open connection worth keeping.
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // a peer went away
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
