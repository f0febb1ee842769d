using System.Net;
using System.Net.Sockets;
using Vigil.Stack;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// A fault on one path only: a loopback port that forwards to another while open, and refuses
/// connections (and drops the ones it carried) while closed, as a firewall or a partition would.
/// </summary>
internal sealed class TcpGate : IAsyncDisposable
{
    private readonly List<TcpClient> _carried = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    private TcpGate(int port) => Port = port;

    public int Port { get; }

    /// <summary>Where it forwards to.</summary>
    public int Target { get; set; }

    public static TcpGate Start()
    {
        var gate = new TcpGate(RelayProcess.FreePort());
        gate.Open();
        return gate;
    }

    public void Open()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptAsync(_listener, _stop.Token);
    }

    public void Close()
    {
        _stop?.Cancel();
        _listener?.Stop();
        lock (_carried)
        {
            foreach (var c in _carried)
            {
                c.Dispose();
            }
            _carried.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient down;
            try
            {
                down = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var up = new TcpClient();
            try
            {
                await up.ConnectAsync(IPAddress.Loopback, Target, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                down.Dispose();
                up.Dispose();
                continue;
            }
            lock (_carried)
            {
                _carried.Add(down);
                _carried.Add(up);
            }
            _ = PumpAsync(down, up);
            _ = PumpAsync(up, down);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
        from.Dispose();
        to.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
