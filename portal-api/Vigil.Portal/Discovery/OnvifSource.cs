using Vigil.Onvif.Client;

namespace Vigil.Portal.Discovery;

/// <summary>
/// A camera source to be resolved through ONVIF at assignment time:
/// onvif://user:password@127.0.0.1:80/profile-token. The host and port are the camera's ONVIF
/// device service as the agent reaches it (the agent connects to its own loopback: the port is
/// what counts); the path names a profile, and without one the first profile is taken.
/// </summary>
public sealed record OnvifSource(string Host, int Port, OnvifCredentials? Credentials, string? Profile)
{
    public const string Scheme = "onvif";
    public const int DefaultPort = 80;

    public static bool Is(string? url) => url is not null && url.StartsWith(Scheme + "://", StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string url, out OnvifSource source, out string error)
    {
        source = null!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || !string.Equals(u.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) || u.Host.Length == 0)
        {
            error = "not an onvif://host[:port][/profile] address";
            return false;
        }
        OnvifCredentials? credentials = null;
        if (u.UserInfo.Length > 0)
        {
            var colon = u.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? u.UserInfo : u.UserInfo[..colon]);
            var password = colon < 0 ? "" : Uri.UnescapeDataString(u.UserInfo[(colon + 1)..]);
            credentials = user.Length > 0 ? new OnvifCredentials(user, password) : null;
        }
        var profile = Uri.UnescapeDataString(u.AbsolutePath.Trim('/'));
        source = new OnvifSource(u.Host, u.IsDefaultPort || u.Port < 0 ? DefaultPort : u.Port, credentials, profile.Length == 0 ? null : profile);
        error = "";
        return true;
    }

    /// <summary>The device service URL the ONVIF client asks; its host only names the camera, the tunnel carries the bytes.</summary>
    public Uri DeviceService => new($"http://{Host}:{Port}/onvif/device_service");

    /// <summary>
    /// The stream address with these credentials in it, so the agent can pull it: whatever account
    /// the camera put there is replaced. The rest of the address stays exactly as the camera wrote it.
    /// </summary>
    public static string WithCredentials(string rtsp, OnvifCredentials? credentials)
    {
        var start = rtsp.IndexOf("://", StringComparison.Ordinal);
        if (credentials is null || start < 0)
        {
            return rtsp;
        }
        start += 3;
        var end = rtsp.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? rtsp[start..] : rtsp[start..end];
        var at = authority.LastIndexOf('@');
        var hostPort = at < 0 ? authority : authority[(at + 1)..];
        var userInfo = Uri.EscapeDataString(credentials.Username) + (credentials.Password.Length > 0 ? ":" + Uri.EscapeDataString(credentials.Password) : "");
        return rtsp[..start] + userInfo + "@" + hostPort + (end < 0 ? "" : rtsp[end..]);
    }
}
