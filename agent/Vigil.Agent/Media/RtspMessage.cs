using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Vigil.Agent.Media;

/// <summary>An RTSP response, or a request a server sent the agent (RFC 2326 sections 6 and 7).</summary>
internal sealed class RtspMessage
{
    private readonly List<string> _headers = [];

    /// <summary>The status code of a response; 0 for a request.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The reason phrase of a response, or the method of a request.</summary>
    public string Reason { get; private set; } = "";

    public byte[] Body { get; private set; } = [];

    public int CSeq => int.TryParse(Header("CSeq"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    /// <summary>The first value of a header (names compare without case), or null.</summary>
    public string? Header(string name)
    {
        for (var i = 0; i < _headers.Count; i += 2)
        {
            if (string.Equals(_headers[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return _headers[i + 1];
            }
        }
        return null;
    }

    /// <summary>Every value of a header that may repeat (WWW-Authenticate).</summary>
    public List<string> Headers(string name)
    {
        var values = new List<string>();
        for (var i = 0; i < _headers.Count; i += 2)
        {
            if (string.Equals(_headers[i], name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(_headers[i + 1]);
            }
        }
        return values;
    }

    /// <summary>The start line's words: "RTSP/1.0 200 OK", or "METHOD url RTSP/1.0".</summary>
    internal static RtspMessage? FromHead(string head)
    {
        var lines = head.Split('\n');
        var start = lines[0].TrimEnd('\r');
        var message = new RtspMessage();
        if (start.StartsWith("RTSP/", StringComparison.Ordinal))
        {
            var parts = start.Split(' ', 3);
            if (parts.Length < 2 || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                return null;
            }
            message.StatusCode = code;
            message.Reason = parts.Length > 2 ? parts[2] : "";
        }
        else
        {
            message.Reason = start[..start.IndexOf(' ')];
        }
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                message._headers.Add(line[..colon].Trim());
                message._headers.Add(line[(colon + 1)..].Trim());
            }
        }
        return message;
    }

    internal void SetBody(ReadOnlySpan<byte> body) => Body = body.ToArray();
}

/// <summary>What <see cref="RtspParser.Read"/> found at the start of the buffer.</summary>
internal enum RtspItem
{
    /// <summary>Not enough bytes yet for a whole item.</summary>
    NeedMore,

    /// <summary>'$', a channel, a 16-bit length and that many bytes (RFC 2326 section 10.12).</summary>
    Interleaved,

    /// <summary>A response, or a request from the server.</summary>
    Message,

    /// <summary>Bytes that start no item: skip <c>consumed</c> of them and look again.</summary>
    Garbage,
}

/// <summary>
/// Splits what an RTSP connection carries into interleaved frames and messages, over a span, so
/// that it is testable without a socket. Every length read off the wire is capped.
/// </summary>
internal static class RtspParser
{
    /// <summary>A start line and headers longer than this are not an RTSP message.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    /// <summary>A body (an SDP) longer than this is refused.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The longest item: a head and a body, or an interleaved frame.</summary>
    public const int MaxItemBytes = MaxHeadBytes + MaxBodyBytes;

    public static RtspItem Read(ReadOnlySpan<byte> buffer, out int consumed, out int channel, out RtspMessage? message)
    {
        consumed = 0;
        channel = -1;
        message = null;
        if (buffer.IsEmpty)
        {
            return RtspItem.NeedMore;
        }
        if (buffer[0] == (byte)'$')
        {
            if (buffer.Length < 4)
            {
                return RtspItem.NeedMore;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            if (buffer.Length < 4 + length)
            {
                return RtspItem.NeedMore;
            }
            channel = buffer[1];
            consumed = 4 + length;
            return RtspItem.Interleaved;
        }
        if (!StartsMessage(buffer))
        {
            return Garbage(buffer, out consumed);
        }
        // The first line decides: a status line, or a request line that ends in the version.
        var firstLine = buffer[..Math.Min(buffer.Length, 1024)].IndexOf((byte)'\n');
        if (firstLine < 0)
        {
            return buffer.Length >= 1024 ? Garbage(buffer, out consumed) : RtspItem.NeedMore;
        }
        var line = buffer[..firstLine].TrimEnd((byte)'\r');
        if (!line.StartsWith("RTSP/1."u8) && !line.EndsWith(" RTSP/1.0"u8))
        {
            return Garbage(buffer, out consumed);
        }
        var window = buffer[..Math.Min(buffer.Length, MaxHeadBytes)];
        var headEnd = window.IndexOf("\r\n\r\n"u8);
        var separator = 4;
        var lf = window.IndexOf("\n\n"u8);
        if (lf >= 0 && (headEnd < 0 || lf < headEnd))
        {
            // Some cameras end lines with a bare LF.
            headEnd = lf;
            separator = 2;
        }
        if (headEnd < 0)
        {
            return buffer.Length >= MaxHeadBytes ? Garbage(buffer, out consumed) : RtspItem.NeedMore;
        }
        var parsed = RtspMessage.FromHead(Encoding.UTF8.GetString(buffer[..headEnd]));
        if (parsed is null)
        {
            return Garbage(buffer, out consumed);
        }
        var bodyLength = 0;
        if (parsed.Header("Content-Length") is { } cl)
        {
            if (!int.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out bodyLength) || bodyLength > MaxBodyBytes)
            {
                return Garbage(buffer, out consumed);
            }
        }
        var total = headEnd + separator + bodyLength;
        if (buffer.Length < total)
        {
            return RtspItem.NeedMore;
        }
        parsed.SetBody(buffer.Slice(headEnd + separator, bodyLength));
        consumed = total;
        message = parsed;
        return RtspItem.Message;
    }

    /// <summary>"RTSP/" or "METHOD url RTSP/1.0": the beginning of a message (or of one still arriving).</summary>
    private static bool StartsMessage(ReadOnlySpan<byte> buffer)
    {
        var prefix = "RTSP/"u8;
        var n = Math.Min(buffer.Length, prefix.Length);
        if (buffer[..n].SequenceEqual(prefix[..n]))
        {
            return true;
        }
        // A request from the server: an upper-case method name and a space.
        for (var i = 0; i < buffer.Length && i <= 16; i++)
        {
            var c = buffer[i];
            if (c == ' ')
            {
                return i > 0;
            }
            if (c is not ((>= (byte)'A' and <= (byte)'Z') or (byte)'_'))
            {
                return false;
            }
        }
        return buffer.Length <= 16;
    }

    /// <summary>Skips to the next byte that could start an item ('$' or an upper-case letter).</summary>
    private static RtspItem Garbage(ReadOnlySpan<byte> buffer, out int consumed)
    {
        var next = 1;
        while (next < buffer.Length && buffer[next] != (byte)'$' && buffer[next] is not (>= (byte)'A' and <= (byte)'Z'))
        {
            next++;
        }
        consumed = next;
        return RtspItem.Garbage;
    }
}
