using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Vigil.Agent.Media;

/// <summary>
/// Answers a camera's (or a streamer's) 401: Digest (RFC 2617, with the SHA-256 of RFC 7616) when it
/// offers Digest, Basic (RFC 7617) otherwise. The hashes are BouncyCastle's managed ones: on a camera
/// without OpenSSL, System.Security.Cryptography would abort the process.
/// </summary>
internal sealed class RtspAuth(string user, string password)
{
    private string? _realm;
    private string? _nonce;
    private string? _opaque;
    private bool _sha256;
    private bool _qop;
    private bool _basic;
    private int _nonceCount;

    /// <summary>Whether a challenge was taken up: requests then carry an Authorization header.</summary>
    public bool Active => _basic || _nonce is not null;

    /// <summary>
    /// Takes up the challenges of a 401. False when none is usable, or when the same challenge
    /// failed already (wrong credentials: asking again would only lock the account); a Digest
    /// challenge marked stale="true" is always worth another try.
    /// </summary>
    public bool Challenge(RtspMessage response)
    {
        string? digest = null, basic = null;
        foreach (var value in response.Headers("WWW-Authenticate"))
        {
            if (value.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
            {
                // Prefer the strongest digest a server offers (RFC 7616 section 3.7).
                if (digest is null || Param(value, "algorithm") is { } a && a.Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
                {
                    digest = value;
                }
            }
            else if (value.StartsWith("Basic", StringComparison.OrdinalIgnoreCase))
            {
                basic = value;
            }
        }
        if (digest is not null)
        {
            var nonce = Param(digest, "nonce");
            var algorithm = Param(digest, "algorithm") ?? "MD5";
            var stale = string.Equals(Param(digest, "stale"), "true", StringComparison.OrdinalIgnoreCase);
            var sha256 = algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase);
            if (nonce is null || (!sha256 && !algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase)) || (nonce == _nonce && !stale))
            {
                return false;
            }
            _realm = Param(digest, "realm") ?? "";
            _nonce = nonce;
            _opaque = Param(digest, "opaque");
            _sha256 = sha256;
            var qop = Param(digest, "qop");
            _qop = qop is not null && ("," + qop.Replace(" ", "", StringComparison.Ordinal) + ",").Contains(",auth,", StringComparison.OrdinalIgnoreCase);
            _nonceCount = 0;
            _basic = false;
            return true;
        }
        if (basic is not null && !_basic)
        {
            _basic = true;
            return true;
        }
        return false;
    }

    /// <summary>The Authorization header line (with CRLF) for a request, or "" before any challenge.</summary>
    public string Header(string method, string uri)
    {
        if (_basic)
        {
            return $"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"))}\r\n";
        }
        if (_nonce is null)
        {
            return "";
        }
        var ha1 = Hash($"{user}:{_realm}:{password}");
        var ha2 = Hash($"{method}:{uri}");
        var header = new StringBuilder("Authorization: Digest username=\"").Append(user)
            .Append("\", realm=\"").Append(_realm)
            .Append("\", nonce=\"").Append(_nonce)
            .Append("\", uri=\"").Append(uri).Append('"');
        if (_qop)
        {
            var nc = (++_nonceCount).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            var cnonce = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
            header.Append(", qop=auth, nc=").Append(nc).Append(", cnonce=\"").Append(cnonce).Append('"')
                .Append(", response=\"").Append(Hash($"{ha1}:{_nonce}:{nc}:{cnonce}:auth:{ha2}")).Append('"');
        }
        else
        {
            header.Append(", response=\"").Append(Hash($"{ha1}:{_nonce}:{ha2}")).Append('"');
        }
        if (_opaque is not null)
        {
            header.Append(", opaque=\"").Append(_opaque).Append('"');
        }
        if (_sha256)
        {
            header.Append(", algorithm=SHA-256");
        }
        return header.Append("\r\n").ToString();
    }

    private string Hash(string text)
    {
        IDigest digest = _sha256 ? new Sha256Digest() : new MD5Digest();
        var input = Encoding.UTF8.GetBytes(text);
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return Convert.ToHexStringLower(output);
    }

    /// <summary>One auth-param of a challenge: name=token or name="quoted string" (RFC 7235 section 2.1).</summary>
    internal static string? Param(string challenge, string name)
    {
        var i = challenge.IndexOf(' ');
        while (i >= 0 && i < challenge.Length)
        {
            while (i < challenge.Length && challenge[i] is ' ' or ',' or '\t')
            {
                i++;
            }
            var eq = challenge.IndexOf('=', i);
            if (eq < 0)
            {
                return null;
            }
            var key = challenge.AsSpan(i, eq - i).Trim();
            string value;
            if (eq + 1 < challenge.Length && challenge[eq + 1] == '"')
            {
                var sb = new StringBuilder();
                var j = eq + 2;
                for (; j < challenge.Length && challenge[j] != '"'; j++)
                {
                    if (challenge[j] == '\\' && j + 1 < challenge.Length)
                    {
                        j++;
                    }
                    sb.Append(challenge[j]);
                }
                value = sb.ToString();
                i = j + 1;
            }
            else
            {
                var end = challenge.IndexOf(',', eq);
                value = (end < 0 ? challenge[(eq + 1)..] : challenge[(eq + 1)..end]).Trim();
                i = end < 0 ? challenge.Length : end;
            }
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return null;
    }
}
