namespace Vigil.Agent.Media;

/// <summary>
/// What the agent streams and where: the camera's RTSP address, the streamer's ingest address
/// (rtmp:// or rtsp://; the scheme picks the publisher), the publish token the streamer's hook
/// checks, and the camera's name there. From the config today; from the portal, through the relay's
/// "assign" command, as well.
/// </summary>
internal sealed class MediaAssignment
{
    private MediaAssignment(string? name, MediaUrl source, MediaUrl target)
    {
        Name = name;
        Source = source;
        Target = target;
    }

    public string? Name { get; }
    public MediaUrl Source { get; }

    /// <summary>The ingest address, the token already in its query.</summary>
    public MediaUrl Target { get; }

    /// <summary>Checks and builds an assignment; null with the reason when something is wrong.</summary>
    public static MediaAssignment? Create(string? name, string? source, string? target, string? token, out string error)
    {
        var s = MediaUrl.TryParse(source);
        var t = MediaUrl.TryParse(target);
        error = s is null || s.Scheme != "rtsp" ? "the source must be an rtsp:// address"
            : t is null ? "the target must be an rtmp:// or rtsp:// address"
            : "";
        if (error.Length > 0)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(token))
        {
            // The streamer's publish hook reads the token from the query (nginx-rtmp's on_publish
            // passes the stream name's arguments; Flussonic and MediaMTX read the URL's).
            t = t!.WithQuery("token", token);
        }
        return new MediaAssignment(string.IsNullOrEmpty(name) ? null : name, s!, t!);
    }

    /// <summary>The same camera, streamer, name and token: nothing to restart.</summary>
    public bool SameAs(MediaAssignment other) =>
        Name == other.Name && Same(Source, other.Source) && Same(Target, other.Target);

    private static bool Same(MediaUrl a, MediaUrl b) => a.Plain == b.Plain && a.User == b.User && a.Password == b.Password;
}
