using System.Security.Cryptography;
using System.Text;
using Vigil.Portal.Auth;

namespace Vigil.Portal.Playback;

/// <summary>
/// The token a device publishes with: "pub1." + base64url(HMAC-SHA256(installation key, "publish\n"
/// + device id + "\n" + generation)). Nothing is stored: the portal recomputes it. Revoking a
/// device (or re-approving it) moves its generation on, so every earlier token stops working.
/// </summary>
public static class PublishToken
{
    public const string Prefix = "pub1.";

    public static string For(PortalSecrets secrets, string deviceId, int generation)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secrets.TokenKey, Encoding.UTF8.GetBytes($"publish\n{deviceId}\n{generation}"), mac);
        return Prefix + Secrets.Base64Url(mac[..24]);
    }

    public static bool Matches(PortalSecrets secrets, string deviceId, int generation, string? presented)
    {
        if (presented is null || presented.Length > 100)
        {
            return false;
        }
        var expected = For(secrets, deviceId, generation);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
    }
}
