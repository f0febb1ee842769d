using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Attack.Tests;

/// <summary>
/// An HTTP/1.1 GET whose request target goes on the wire exactly as written. HttpClient (System.Uri)
/// resolves dot segments and re-encodes before it sends, so the paths an attacker sends
/// ("/a/../b", "/a/%2e%2e/b", "//b", "/a\b") can only be sent from a socket.
/// </summary>
internal static class RawHttp
{
    /// <summary>What a response may weigh here: a few fragments of the test's streams.</summary>
    private const int MaxBytes = 4 << 20;

    /// <summary>
    /// Sends the GET and reads the answer until the server closes, <paramref name="listen"/> passes
    /// (a continuous stream never ends by itself) or <see cref="MaxBytes"/> came.
    /// The status code and everything received, head and body, as bytes.
    /// </summary>
    public static async Task<(int Status, byte[] Received)> GetAsync(int port, string target, TimeSpan? listen = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes($"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        using var received = new MemoryStream();
        using var limit = new CancellationTokenSource(listen ?? TimeSpan.FromSeconds(3));
        var buffer = new byte[64 * 1024];
        try
        {
            while (received.Length < MaxBytes)
            {
                var n = await stream.ReadAsync(buffer, limit.Token);
                if (n == 0)
                {
                    break;
                }
                received.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            // A stream still flowing when the time is up: what came is the answer.
        }
        var bytes = received.ToArray();
        var head = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 64));
        var status = head.StartsWith("HTTP/1.", StringComparison.Ordinal) && head.Length >= 12
            && int.TryParse(head.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
        return (status, bytes);
    }

    /// <summary>Whether the bytes hold the ASCII text.</summary>
    public static bool Holds(byte[] received, string text) => received.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
}
