namespace Vigil.Portal.Hooks;

/// <summary>
/// The one way a hook finds the camera in a path a streamer hands on: the first segment of a path that
/// means exactly one thing. The streamer serves a path after its own decoding and normalising (nginx
/// maps $uri, the path percent-decoded, its dot segments resolved and its slashes merged, to the file),
/// so a hook that read another spelling of it would decide about one camera while the streamer serves
/// another ("/public/../private/index.m3u8"). Here the path is percent-decoded once, and any path that
/// a decoding or a normalisation could read differently is refused rather than guessed at: dot
/// segments, empty segments (a doubled or trailing slash), an encoded '/', '%' or anything outside
/// the unreserved characters (double encoding, backslashes, NUL, controls, '#', non-ASCII). Camera
/// names and the files a streamer writes for them ("index.m3u8", "17.ts", "mpegts") need none of those.
/// </summary>
internal static class StreamPath
{
    /// <summary>The longest path read: a camera name and a file name are a few dozen characters.</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// The camera of a request URI ("/CAMERA/FILE...?query"): its first segment, when the path has at
    /// least a camera and a file under it and is canonical; null when it is not.
    /// </summary>
    public static string? CameraOfUri(string uri) => CameraOfUri(uri, out _);

    /// <summary>
    /// The camera of a request URI as <see cref="CameraOfUri(string)"/> reads it, and the rest of the
    /// path under it (decoded once, already checked: "index-1700000000-600.m3u8"), which tells live
    /// from archive requests.
    /// </summary>
    public static string? CameraOfUri(string uri, out string file)
    {
        file = "";
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? uri.AsSpan() : uri.AsSpan(0, query);
        if (path.Length is 0 or > MaxLength || path[0] != '/')
        {
            return null;
        }
        Span<char> decoded = stackalloc char[path.Length];
        var length = DecodeOnce(path[1..], decoded);
        if (length < 0)
        {
            return null;
        }
        var rest = decoded[..length];
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            return null; // a camera and no file: nothing a streamer serves
        }
        foreach (var segment in rest.Split('/'))
        {
            if (!IsSegment(rest[segment]))
            {
                return null;
            }
        }
        file = rest[(slash + 1)..].ToString();
        return rest[..slash].ToString();
    }

    /// <summary>
    /// A stream name as a streamer hands it on already decoded (MediaMTX's path, with or without its
    /// leading '/'): the name itself when it is one segment, and null when it is anything else.
    /// It is never decoded again: a '%' in it is refused, not read as an escape.
    /// </summary>
    public static string? NameOfPath(string path)
    {
        var name = path.StartsWith('/') ? path.AsSpan(1) : path.AsSpan();
        if (name.Length is 0 or > MaxLength || !IsSegment(name))
        {
            return null;
        }
        foreach (var c in name)
        {
            if (!IsUnreserved(c))
            {
                return null;
            }
        }
        return name.ToString();
    }

    /// <summary>
    /// Percent-decodes once into <paramref name="to"/>: its length, or -1 when a character, raw or
    /// decoded, is not one a canonical path holds ('/' only raw, as the separator).
    /// </summary>
    private static int DecodeOnce(ReadOnlySpan<char> from, Span<char> to)
    {
        var n = 0;
        for (var i = 0; i < from.Length; i++)
        {
            var c = from[i];
            if (c == '%')
            {
                if (i + 2 >= from.Length || !char.IsAsciiHexDigit(from[i + 1]) || !char.IsAsciiHexDigit(from[i + 2]))
                {
                    return -1;
                }
                c = (char)((HexValue(from[i + 1]) << 4) | HexValue(from[i + 2]));
                i += 2;
                // An encoded separator or escape is the ambiguity itself: refused, not decoded.
                if (!IsUnreserved(c))
                {
                    return -1;
                }
            }
            else if (c != '/' && !IsUnreserved(c))
            {
                return -1;
            }
            to[n++] = c;
        }
        return n;
    }

    private static bool IsSegment(ReadOnlySpan<char> segment) => segment.Length > 0 && segment is not "." and not "..";

    /// <summary>RFC 3986's unreserved characters: letters, digits, '-', '.', '_' and '~'.</summary>
    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
