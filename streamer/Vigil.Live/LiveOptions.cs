namespace Vigil.Live;

/// <summary>
/// How vigil-live runs on a streamer node. From a JSON file (--config), then VIGIL_LIVE_* environment
/// variables, then the command line.
/// </summary>
public sealed class LiveOptions
{
    /// <summary>Where the signaling API listens: loopback, behind the node's nginx (vigil-http.conf proxies /CAMERA/webrtc to it).</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8089";
    /// <summary>The portal's nginx-rtmp hook of this streamer with its key, as in the node's nginx configuration.</summary>
    public string HookUrl { get; set; } = "";
    /// <summary>The node's own nginx-rtmp application, which the feeders play from.</summary>
    public string RtmpUrl { get; set; } = "rtmp://127.0.0.1:1935/live";
    /// <summary>Janus's HTTP API on loopback (deploy/janus/janus.transport.http.jcfg).</summary>
    public string JanusUrl { get; set; } = "http://127.0.0.1:8088/janus";
    /// <summary>Janus's api_secret, which is also its streaming plugin's admin_key.</summary>
    public string JanusSecret { get; set; } = "";
    public string Ffmpeg { get; set; } = "/usr/bin/ffmpeg";
    /// <summary>
    /// The node's HLS directory (nginx-rtmp's hls_path, @HLS_DIR@ of deploy/nginx-rtmp), read to give a
    /// new feed the camera's latest keyframe at once (Priming/FeedPrimer.cs); empty: feeds start at
    /// the camera's next keyframe.
    /// </summary>
    public string HlsDir { get; set; } = "";
    /// <summary>How often a running viewer's right is asked of the portal again.</summary>
    public int RecheckMilliseconds { get; set; } = 2000;
    /// <summary>Viewers of the whole node, and of one camera; more are refused with 503.</summary>
    public int MaxViewers { get; set; } = 500;
    public int MaxViewersPerCamera { get; set; } = 200;
    /// <summary>
    /// How long a camera's feed outlives its last viewer (or a warm request that no viewer followed):
    /// a viewer who comes back within it starts at once, with the keyframe Janus holds, instead of
    /// waiting for ffmpeg to start and for the camera's next keyframe.
    /// </summary>
    public int LingerSeconds { get; set; } = 60;
    /// <summary>
    /// Feeds the node keeps running with no viewer (warmed ahead of one, or lingering after the last):
    /// past this a warm request is declined and a feed whose last viewer leaves stops at once, so that
    /// nobody can make the node pull every camera it streams.
    /// </summary>
    public int MaxIdleFeeds { get; set; } = 8;
    /// <summary>
    /// A viewer's page says it is still there every few seconds (POST of its session); one silent for
    /// this long has gone (tab closed, network lost) and its session ends.
    /// </summary>
    public int ViewerSilenceSeconds { get; set; } = 15;
    /// <summary>How long a viewer may take to send its answer before its session is dropped.</summary>
    public int AnswerSeconds { get; set; } = 20;

    /// <summary>The node's credential for its own plays from nginx-rtmp: the hook key the HookUrl carries.</summary>
    public string NodeKey()
    {
        var query = HookUrl.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            foreach (var pair in HookUrl[(query + 1)..].Split('&'))
            {
                if (pair.StartsWith("key=", StringComparison.Ordinal))
                {
                    return Uri.UnescapeDataString(pair[4..]);
                }
            }
        }
        return "";
    }

    /// <summary>What is wrong with the options, or null.</summary>
    public string? Error()
    {
        if (!Uri.TryCreate(HookUrl, UriKind.Absolute, out _) || NodeKey().Length == 0)
        {
            return "HookUrl must be the portal's nginx-rtmp hook of this streamer with its key (https://PORTAL/hooks/nginx-rtmp/STREAMER?key=KEY)";
        }
        if (!RtmpUrl.StartsWith("rtmp://", StringComparison.Ordinal))
        {
            return "RtmpUrl must be the node's nginx-rtmp application (rtmp://127.0.0.1:1935/live)";
        }
        if (!Uri.TryCreate(JanusUrl, UriKind.Absolute, out _) || JanusSecret.Length == 0)
        {
            return "JanusUrl and JanusSecret must name Janus's loopback HTTP API and its api_secret";
        }
        if (HlsDir.Length > 0 && !Path.IsPathFullyQualified(HlsDir))
        {
            return "HlsDir must be the absolute path of the node's HLS directory (nginx-rtmp's hls_path), or empty";
        }
        if (RecheckMilliseconds is < 200 or > 2000 || MaxViewers < 1 || MaxViewersPerCamera < 1 || LingerSeconds is < 0 or > 600 || MaxIdleFeeds < 0 || AnswerSeconds < 1 || ViewerSilenceSeconds < 5)
        {
            return "RecheckMilliseconds must be 200 to 2000 (revocation holds within 5 s), LingerSeconds 0 to 600, the limits at least 1";
        }
        return null;
    }
}
