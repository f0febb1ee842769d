using System.Text;

namespace Vigil.Agent;

/// <summary>An HTTP proxy that the agent asks to CONNECT to a relay (networks where only a proxy gets out).</summary>
internal sealed record ProxyEndpoint(string Host, int Port, string? UserInfo)
{
    public static ProxyEndpoint? TryParse(string text)
    {
        const string scheme = "http://";
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = text[scheme.Length..].TrimEnd('/');
        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = Unescape(rest[..at]);
            rest = rest[(at + 1)..];
        }
        if (!RelayEndpoint.TryParse(rest, out var host, out var port))
        {
            // A proxy without a port: 3128 is what most proxies listen on.
            if (rest.Length == 0 || rest.Contains(':'))
            {
                return null;
            }
            host = rest;
            port = 3128;
        }
        return new ProxyEndpoint(host, port, user);
    }

    public override string ToString() => $"http://{Host}:{Port}";

    /// <summary>
    /// Decodes %XX escapes as UTF-8, as Uri.UnescapeDataString does (a run of escapes that is not valid
    /// UTF-8 stays as written). By hand: System.Uri is a large part of the framework to link for this.
    /// </summary>
    internal static string Unescape(string text)
    {
        if (!text.Contains('%'))
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        var bytes = new byte[text.Length / 3];
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var count = 0;
            while (i + 2 < text.Length && text[i] == '%' && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                bytes[count++] = (byte)(Hex(text[i + 1]) << 4 | Hex(text[i + 2]));
                i += 3;
            }
            if (count == 0)
            {
                result.Append(text[i++]);
                continue;
            }
            try
            {
                result.Append(strict.GetString(bytes, 0, count));
            }
            catch (DecoderFallbackException)
            {
                result.Append(text, start, i - start);
            }
        }
        return result.ToString();
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int Hex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
