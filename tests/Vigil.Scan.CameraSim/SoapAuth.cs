using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace Vigil.Scan.CameraSim;

/// <summary>The device side of ONVIF authentication, written from the specifications, as a camera checks it.</summary>
public static class SoapAuth
{
    /// <summary>
    /// Checks a WS-Security UsernameToken: the digest over nonce, Created and the password, and
    /// Created within 5 s of the device's clock (which may be skewed).
    /// </summary>
    public static bool CheckUsernameToken(byte[] request, string user, string password, DateTime deviceNow, out string why)
    {
        var token = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var r = XmlReader.Create(new MemoryStream(request), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            r.Read();
            while (!r.EOF)
            {
                // ReadElementContentAsString moves to the next node itself; Read only otherwise.
                if (r.NodeType == XmlNodeType.Element && r.LocalName is "Username" or "Password" or "Nonce" or "Created")
                {
                    token[r.LocalName] = r.ReadElementContentAsString();
                }
                else
                {
                    r.Read();
                }
            }
        }
        var name = token.GetValueOrDefault("Username");
        var digest = token.GetValueOrDefault("Password");
        var nonce = token.GetValueOrDefault("Nonce");
        var created = token.GetValueOrDefault("Created");
        if (name is null || digest is null || nonce is null || created is null)
        {
            why = "no UsernameToken";
            return false;
        }
        if (name != user)
        {
            why = "unknown user";
            return false;
        }
        var input = Convert.FromBase64String(nonce).Concat(Encoding.UTF8.GetBytes(created)).Concat(Encoding.UTF8.GetBytes(password)).ToArray();
        if (Convert.ToBase64String(SHA1.HashData(input)) != digest)
        {
            why = "wrong digest";
            return false;
        }
        var when = DateTime.Parse(created, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (Math.Abs((when - deviceNow).TotalSeconds) > 5)
        {
            why = $"Created {created} is {(when - deviceNow).TotalSeconds:0} s from the device clock";
            return false;
        }
        why = "";
        return true;
    }

    /// <summary>Checks an HTTP Digest Authorization header (RFC 7616, MD5, qop=auth) against the nonce this device issued.</summary>
    public static bool CheckDigest(string? authorization, string method, string user, string password, string realm, string nonce)
    {
        if (authorization is null || !authorization.StartsWith("Digest ", StringComparison.Ordinal))
        {
            return false;
        }
        var p = Vigil.Onvif.Client.HttpDigest.ParseParameters(authorization.AsSpan(7));
        if (p.GetValueOrDefault("username") != user || p.GetValueOrDefault("nonce") != nonce || p.GetValueOrDefault("realm") != realm)
        {
            return false;
        }
        static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
        var ha1 = Md5($"{user}:{realm}:{password}");
        var ha2 = Md5($"{method}:{p.GetValueOrDefault("uri")}");
        var expected = Md5($"{ha1}:{nonce}:{p.GetValueOrDefault("nc")}:{p.GetValueOrDefault("cnonce")}:{p.GetValueOrDefault("qop")}:{ha2}");
        return p.GetValueOrDefault("response") == expected;
    }
}
