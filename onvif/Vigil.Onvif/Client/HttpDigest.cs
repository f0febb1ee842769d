using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Onvif.Client;

/// <summary>
/// HTTP Digest access authentication (RFC 7616, compatible with RFC 2617): the fallback when a
/// device answers 401 with a Digest challenge instead of reading the WS-Security header (ONVIF
/// Core 5.9.1 makes HTTP Digest the preferred method on newer devices). MD5, MD5-sess, SHA-256
/// and SHA-256-sess; qop "auth" or none.
/// </summary>
public sealed class HttpDigest
{
    private readonly Dictionary<string, string> _parameters;
    private int _nonceCount;

    private HttpDigest(Dictionary<string, string> parameters) => _parameters = parameters;

    public string Realm => _parameters.GetValueOrDefault("realm", "");

    public string Nonce => _parameters.GetValueOrDefault("nonce", "");

    public string Algorithm => _parameters.GetValueOrDefault("algorithm", "MD5");

    public bool Stale => string.Equals(_parameters.GetValueOrDefault("stale"), "true", StringComparison.OrdinalIgnoreCase);

    private string? Qop
    {
        get
        {
            var qop = _parameters.GetValueOrDefault("qop");
            if (qop is null)
            {
                return null;
            }
            return qop.Split(',').Select(q => q.Trim()).Contains("auth", StringComparer.OrdinalIgnoreCase) ? "auth" : null;
        }
    }

    /// <summary>
    /// Picks a usable Digest challenge out of the WWW-Authenticate values; null when there is none
    /// (Basic only, or an algorithm this client does not speak).
    /// </summary>
    public static HttpDigest? FromChallenges(IEnumerable<string> wwwAuthenticate)
    {
        foreach (var value in wwwAuthenticate)
        {
            if (!value.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase) || value.Length > 4096)
            {
                continue;
            }
            var parameters = ParseParameters(value.AsSpan(7));
            var digest = new HttpDigest(parameters);
            if (parameters.ContainsKey("nonce") && HashFor(digest.Algorithm) is not null)
            {
                return digest;
            }
        }
        return null;
    }

    /// <summary>The Authorization header value for one request; each call uses the next nonce count.</summary>
    public string Authorize(OnvifCredentials credentials, string method, string uri, string? clientNonce = null)
    {
        var hash = HashFor(Algorithm) ?? throw new InvalidOperationException($"unsupported digest algorithm {Algorithm}");
        var cnonce = clientNonce ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var nc = (++_nonceCount).ToString("x8", CultureInfo.InvariantCulture);
        var ha1 = hash($"{credentials.Username}:{Realm}:{credentials.Password}");
        if (Algorithm.EndsWith("-sess", StringComparison.OrdinalIgnoreCase))
        {
            ha1 = hash($"{ha1}:{Nonce}:{cnonce}");
        }
        var ha2 = hash($"{method}:{uri}");
        var qop = Qop;
        var response = qop is null ? hash($"{ha1}:{Nonce}:{ha2}") : hash($"{ha1}:{Nonce}:{nc}:{cnonce}:{qop}:{ha2}");
        var sb = new StringBuilder("Digest ");
        sb.Append(CultureInfo.InvariantCulture, $"username=\"{Quote(credentials.Username)}\", realm=\"{Quote(Realm)}\", nonce=\"{Quote(Nonce)}\", uri=\"{Quote(uri)}\", ");
        sb.Append(CultureInfo.InvariantCulture, $"algorithm={Algorithm}, response=\"{response}\"");
        if (_parameters.TryGetValue("opaque", out var opaque))
        {
            sb.Append(CultureInfo.InvariantCulture, $", opaque=\"{Quote(opaque)}\"");
        }
        if (qop is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
        }
        return sb.ToString();
    }

    private static Func<string, string>? HashFor(string algorithm) => algorithm.ToUpperInvariant() switch
    {
        "MD5" or "MD5-SESS" => s => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s))),
        "SHA-256" or "SHA-256-SESS" => s => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s))),
        _ => null,
    };

    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>auth-param list: name=token or name="quoted string", comma-separated (RFC 7235 section 2.1).</summary>
    public static Dictionary<string, string> ParseParameters(ReadOnlySpan<char> s)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < s.Length && result.Count < 32)
        {
            while (i < s.Length && (s[i] == ',' || char.IsWhiteSpace(s[i])))
            {
                i++;
            }
            var nameStart = i;
            while (i < s.Length && s[i] != '=' && s[i] != ',')
            {
                i++;
            }
            var name = s[nameStart..i].Trim().ToString();
            if (i >= s.Length || s[i] != '=')
            {
                continue;
            }
            i++;
            while (i < s.Length && s[i] == ' ')
            {
                i++;
            }
            var value = new StringBuilder();
            if (i < s.Length && s[i] == '"')
            {
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }
                    value.Append(s[i++]);
                }
                i++;
            }
            else
            {
                while (i < s.Length && s[i] != ',')
                {
                    value.Append(s[i++]);
                }
            }
            if (name.Length > 0)
            {
                result.TryAdd(name, value.ToString().Trim());
            }
        }
        return result;
    }
}
