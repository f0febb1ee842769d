using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Vigil.Relay.Api;

/// <summary>
/// Opens a tunnel through a relay's node API: the HTTP/1.1 upgrade, then a raw byte stream to the
/// camera's port. Used by `vigil-relay forward`, the portal and the tests.
/// </summary>
public static class TunnelClient
{
    private const int MaxResponseHead = 8192;
    private const int MaxRefusalBody = 1024;

    public static async Task<NetworkStream> ConnectAsync(EndPoint api, string deviceId, int port, string token, CancellationToken ct = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(api, ct).ConfigureAwait(false);
            var request = $"GET /v1/tunnel/{Uri.EscapeDataString(deviceId)}/{port} HTTP/1.1\r\nHost: {HostHeader(api)}\r\nConnection: Upgrade\r\nUpgrade: {TunnelEndpoint.UpgradeToken}\r\nAuthorization: Bearer {token}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct).ConfigureAwait(false);
            // One byte at a time up to the blank line: the tunnel's bytes follow it.
            var head = new byte[MaxResponseHead];
            var length = 0;
            while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                if (length == head.Length || await socket.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, ct).ConfigureAwait(false) == 0)
                {
                    throw new TunnelRefusedException(0, "the relay closed the connection or sent an oversize answer");
                }
                length++;
            }
            var text = Encoding.ASCII.GetString(head, 0, length);
            if (!text.StartsWith("HTTP/1.", StringComparison.Ordinal) || text.Length < 12
                || !int.TryParse(text.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                throw new TunnelRefusedException(0, "the relay's answer is not HTTP");
            }
            if (status != 101)
            {
                throw new TunnelRefusedException(status, await ReadReasonAsync(socket, text, ct).ConfigureAwait(false));
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A refusal's body is a short JSON error ({"error": "..."}), sent with a Content-Length or
    /// chunked. It is read to its end, and never past <see cref="MaxRefusalBody"/> bytes, so the
    /// caller can say why.
    /// </summary>
    private static async Task<string> ReadReasonAsync(Socket socket, string head, CancellationToken ct)
    {
        int? declared = null;
        var chunked = false;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line.AsSpan(15).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                declared = Math.Min(n, MaxRefusalBody);
            }
            chunked |= line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase);
        }
        var body = new byte[declared ?? MaxRefusalBody];
        var read = 0;
        while (read < body.Length && !(chunked && body.AsSpan(0, read).EndsWith("0\r\n\r\n"u8)))
        {
            var n = await socket.ReceiveAsync(body.AsMemory(read), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        var text = chunked ? Dechunk(body.AsSpan(0, read)) : body.AsSpan(0, read).ToArray();
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
            {
                return e.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>The data of the chunks that arrived whole (RFC 9112 §7.1); a cut-off chunk ends it.</summary>
    private static byte[] Dechunk(ReadOnlySpan<byte> raw)
    {
        var data = new List<byte>();
        while (raw.IndexOf("\r\n"u8) is var eol and > 0
            && int.TryParse(Encoding.ASCII.GetString(raw[..eol]).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size)
            && size > 0 && eol + 2 + size <= raw.Length)
        {
            data.AddRange(raw.Slice(eol + 2, size));
            raw = raw[Math.Min(raw.Length, eol + 2 + size + 2)..];
        }
        return [.. data];
    }

    /// <summary>An IP endpoint's text is a valid Host header; a DnsEndPoint's ToString is not ("Unspecified/host:port").</summary>
    private static string HostHeader(EndPoint api) => api is DnsEndPoint d ? $"{d.Host}:{d.Port}" : api.ToString()!;
}

/// <summary>The relay did not open the tunnel: its HTTP status (0 when it gave none) and its reason.</summary>
public sealed class TunnelRefusedException(int status, string reason) : IOException($"tunnel refused ({status}): {reason}")
{
    public int Status { get; } = status;
    public string Reason { get; } = reason;
}
