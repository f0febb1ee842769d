using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Portal.Playback;

/// <summary>A STUN or TURN server as a browser's RTCPeerConnection takes it (RTCIceServer).</summary>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null);

/// <summary>
/// Short-lived TURN credentials for coturn's use-auth-secret (the "TURN REST API" scheme of
/// draft-uberti-behave-turn-rest): username = EXPIRY:USER, password = base64(HMAC-SHA1(secret,
/// username)). coturn recomputes the password from the username with the same secret and refuses a
/// username whose expiry has passed, so the portal hands out credentials without telling coturn.
/// </summary>
public static class TurnCredentials
{
    public static (string Username, string Password) Issue(string secret, long userId, long expiresAt)
    {
        var username = string.Create(CultureInfo.InvariantCulture, $"{expiresAt}:{userId}");
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return (username, Convert.ToBase64String(mac));
    }

    /// <summary>
    /// The node's coturn, on the host of the streamer's public URL: STUN for everyone, TURN over
    /// UDP and TCP with credentials that end with the playback token. None without a secret.
    /// </summary>
    public static IReadOnlyList<IceServer> For(string publicUrl, string secret, int port, long userId, long expiresAt)
    {
        if (secret.Length == 0 || !Uri.TryCreate(publicUrl, UriKind.Absolute, out var url))
        {
            return [];
        }
        var host = url.HostNameType == UriHostNameType.IPv6 ? $"[{url.IdnHost}]" : url.IdnHost;
        var at = string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
        var (username, password) = Issue(secret, userId, expiresAt);
        return [new IceServer([$"stun:{at}"]), new IceServer([$"turn:{at}?transport=udp", $"turn:{at}?transport=tcp"], username, password)];
    }
}
