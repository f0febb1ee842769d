namespace Vigil.Agent;

/// <summary>
/// Standard base64 (RFC 4648 section 4, with padding) decoded byte by byte. The framework's
/// System.Buffers.Text.Base64 carries vectorized paths for every instruction set, about 200 KB of
/// the agent's binary for a few chunks a second of a release download.
/// </summary>
internal static class Base64Decoder
{
    /// <summary>Decodes <paramref name="text"/> into <paramref name="output"/>; the bytes written, or -1 when it is not base64 or does not fit.</summary>
    public static int Decode(ReadOnlySpan<byte> text, Span<byte> output)
    {
        if (text.Length % 4 != 0)
        {
            return -1;
        }
        var written = 0;
        for (var i = 0; i < text.Length; i += 4)
        {
            var last = i + 4 == text.Length;
            var pad = last && text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
            int a = Value(text[i]), b = Value(text[i + 1]), c = pad == 2 ? 0 : Value(text[i + 2]), d = pad >= 1 ? 0 : Value(text[i + 3]);
            if ((a | b | c | d) < 0 || written + 3 - pad > output.Length)
            {
                return -1;
            }
            var triple = (a << 18) | (b << 12) | (c << 6) | d;
            output[written++] = (byte)(triple >> 16);
            if (pad < 2)
            {
                output[written++] = (byte)(triple >> 8);
            }
            if (pad < 1)
            {
                output[written++] = (byte)triple;
            }
        }
        return written;
    }

    private static int Value(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        (byte)'/' => 63,
        _ => -1,
    };
}
