using System.Net;
using System.Net.Sockets;
using Vigil.Protocol.Mux;

namespace Vigil.Protocol.Link;

/// <summary>Copies between a tunnel stream and a socket: what both ends of a tunnel do.</summary>
public static class StreamPump
{
    /// <summary>Copies until <paramref name="from"/> ends, then signals the end onward (half-close).</summary>
    /// <remarks>The default buffer fills one DATA frame, so a bulk transfer costs the fewest frames.</remarks>
    public static async Task CopyAsync(Stream from, Stream to, Func<ValueTask> onEnd, int bufferSize = Mux.MuxFrame.MaxBodyLength)
    {
        var buffer = new byte[bufferSize];
        int n;
        while ((n = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            await to.FlushAsync().ConfigureAwait(false);
        }
        await onEnd().ConfigureAwait(false);
    }

    /// <summary>
    /// Serves a stream the peer opened by connecting to that port on the loopback interface: the
    /// agent's side of a tunnel. The caller has checked the port against its allow-list.
    /// </summary>
    public static async Task ServeLocalPortAsync(MuxStream stream, TimeSpan? connectTimeout = null)
    {
        using var local = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(connectTimeout ?? TimeSpan.FromSeconds(5));
            await local.ConnectAsync(new IPEndPoint(IPAddress.Loopback, stream.Port), cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            stream.Refuse(MuxError.ConnectFailed, $"cannot connect to local port {stream.Port}");
            return;
        }
        try
        {
            await stream.AcceptAsync().ConfigureAwait(false);
            await using var net = new NetworkStream(local, ownsSocket: false);
            var up = CopyAsync(net, stream, stream.ShutdownWriteAsync, 16 * 1024);
            var down = CopyAsync(stream, net, () =>
            {
                local.Shutdown(SocketShutdown.Send);
                return ValueTask.CompletedTask;
            }, 16 * 1024);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Either side went away; disposing the stream resets it for the peer.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
