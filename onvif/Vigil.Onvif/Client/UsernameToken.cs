using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Onvif.Client;

/// <summary>
/// WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken Profile 1.0, section 3.1;
/// ONVIF Core 5.12.2): Base64(SHA-1(nonce + created + password)). The device rejects a Created
/// too far from its own clock, so Created is written in the device's time: local UTC plus the
/// offset GetSystemDateAndTime measured.
/// </summary>
public sealed record UsernameToken(string Username, string PasswordDigest, string Nonce, string Created)
{
    public const string DigestType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
    public const string Base64Encoding = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
    public const string SecurityNamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    public const string UtilityNamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    public static UsernameToken Create(OnvifCredentials credentials, DateTime deviceUtcNow)
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var created = deviceUtcNow.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new UsernameToken(credentials.Username, Digest(nonce, created, credentials.Password), Convert.ToBase64String(nonce), created);
    }

    public static string Digest(ReadOnlySpan<byte> nonce, string created, string password)
    {
        var createdBytes = Encoding.UTF8.GetBytes(created);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var input = new byte[nonce.Length + createdBytes.Length + passwordBytes.Length];
        nonce.CopyTo(input);
        createdBytes.CopyTo(input, nonce.Length);
        passwordBytes.CopyTo(input, nonce.Length + createdBytes.Length);
        return Convert.ToBase64String(SHA1.HashData(input));
    }

    public override string ToString() => $"UsernameToken {Username} created {Created}";
}
