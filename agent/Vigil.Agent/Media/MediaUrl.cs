using System.Globalization;

namespace Vigil.Agent.Media;

/// <summary>
/// An rtsp:// or rtmp:// address, parsed by hand (System.Uri is a large part of the framework to
/// link for this): scheme, optional user and password, host, port and the path with its query.
/// </summary>
internal sealed class MediaUrl
{
    private MediaUrl(string scheme, string host, int port, string path, string? user, string? password)
    {
        Scheme = scheme;
        Host = host;
        Port = port;
        Path = path;
        User = user;
        Password = password;
    }

    /// <summary>"rtsp" or "rtmp", lower case.</summary>
    public string Scheme { get; }
    public string Host { get; }
    public int Port { get; }

    /// <summary>The path with its query, starting with '/'.</summary>
    public string Path { get; }

    public string? User { get; }
    public string? Password { get; }

    /// <summary>The address without the credentials: what goes into requests and tcUrl.</summary>
    public string Plain => $"{Scheme}://{HostPort}{Path}";

    /// <summary>
    /// The address with the password and the query masked (a query carries publish tokens): what
    /// goes into logs and status.
    /// </summary>
    public string Masked
    {
        get
        {
            var query = Path.IndexOf('?');
            var path = query < 0 ? Path : Path[..(query + 1)] + "***";
            return User is null ? $"{Scheme}://{HostPort}{path}" : $"{Scheme}://{User}:***@{HostPort}{path}";
        }
    }

    private string HostPort
    {
        get
        {
            var host = Host.Contains(':') ? $"[{Host}]" : Host;
            return Port == DefaultPort(Scheme) ? host : $"{host}:{Port}";
        }
    }

    public override string ToString() => Masked;

    public static int DefaultPort(string scheme) => scheme == "rtmp" ? 1935 : 554;

    /// <summary>Parses rtsp://[user[:password]@]host[:port][/path][?query] (and rtmp://); null if it is not one.</summary>
    public static MediaUrl? TryParse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            return null;
        }
        var scheme = text[..sep].ToLowerInvariant();
        if (scheme is not ("rtsp" or "rtmp"))
        {
            return null;
        }
        var rest = text[(sep + 3)..];
        var slash = rest.IndexOfAny(['/', '?']);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "/" : rest[slash] == '?' ? "/" + rest[slash..] : rest[slash..];
        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            user = ProxyEndpoint.Unescape(colon < 0 ? userInfo : userInfo[..colon]);
            password = colon < 0 ? null : ProxyEndpoint.Unescape(userInfo[(colon + 1)..]);
        }
        string host;
        var port = DefaultPort(scheme);
        string portText = "";
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return null;
            }
            host = authority[1..close];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':')
                {
                    return null;
                }
                portText = authority[(close + 2)..];
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[(colon + 1)..];
        }
        if (host.Length == 0 || (portText.Length > 0 && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)))
        {
            return null;
        }
        return new MediaUrl(scheme, host, port, path, user, password);
    }

    /// <summary>This address with another's user and password (a redirect keeps the credentials).</summary>
    public MediaUrl WithCredentialsOf(MediaUrl other) => new(Scheme, Host, Port, Path, other.User, other.Password);

    /// <summary>This address with one more query parameter, its value percent-encoded.</summary>
    public MediaUrl WithQuery(string name, string value)
    {
        var escaped = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
            }
        }
        return new(Scheme, Host, Port, $"{Path}{(Path.Contains('?') ? '&' : '?')}{name}={escaped}", User, Password);
    }

    /// <summary>A redirect's Location: absolute as is, "/x" on this host, anything else in this directory.</summary>
    public string Resolve(string location)
    {
        if (location.Contains("://", StringComparison.Ordinal))
        {
            return location;
        }
        if (location.StartsWith('/'))
        {
            return $"{Scheme}://{HostPort}{location}";
        }
        var path = Path;
        var query = path.IndexOf('?');
        path = query < 0 ? path : path[..query];
        return $"{Scheme}://{HostPort}{path[..(path.LastIndexOf('/') + 1)]}{location}";
    }

    /// <summary>
    /// A track's control address (RFC 2326 C.1.1): absolute as is, "*" the base itself, anything
    /// else appended to the base with a '/', as cameras expect it (ffmpeg and VLC do the same, even
    /// after a query).
    /// </summary>
    public static string JoinControl(string baseUrl, string? control)
    {
        if (control is null || control.Length == 0 || control == "*")
        {
            return baseUrl;
        }
        if (control.Contains("://", StringComparison.Ordinal))
        {
            return control;
        }
        return baseUrl.EndsWith('/') ? baseUrl + control : baseUrl + "/" + control;
    }
}
