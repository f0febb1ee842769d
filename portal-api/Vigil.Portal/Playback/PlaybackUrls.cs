using System.Globalization;
using Vigil.Portal.Data;

namespace Vigil.Portal.Playback;

/// <summary>
/// Live playback; <see cref="Mpegts"/> is null where the streamer serves no continuous MPEG-TS over HTTP,
/// <see cref="Webrtc"/> where its node runs no vigil-live (only nginx-rtmp nodes do), and
/// <see cref="IceServers"/> (the node's STUN and TURN, with short-lived credentials) is empty
/// where the portal has no TURN secret.
/// </summary>
public sealed record LivePlayback(string Hls, string? Mpegts, string? Webrtc = null, IReadOnlyList<IceServer>? IceServers = null);

/// <summary>
/// The archive from <see cref="From"/> for <see cref="Duration"/> seconds; a URL is null where the
/// streamer has no such form. <see cref="RecordingStatus"/> lists the recorded ranges (Flussonic's
/// recording_status.json); beside it, FROM-preview.jpg with the same token is a picture of a moment.
/// </summary>
public sealed record ArchivePlayback(long From, long Duration, string? Hls, string? Mpegts, string? Mp4, string? Timeshift, string? RecordingStatus = null);

public sealed record PlaybackAnswer(string Camera, string Streamer, LivePlayback Live, ArchivePlayback? Archive, long ExpiresAt);

/// <summary>
/// Where a viewer finds a camera on its streamer. Live is NAME/index.m3u8 and NAME/mpegts on every
/// kind: nginx-rtmp writes HLS files (served by nginx's http, NAME/index.m3u8 with hls_nested), and
/// its NAME/mpegts is nginx's njs sending those fragments one after another as one continuous
/// MPEG-TS (deploy/nginx-rtmp/vigil-mpegts.js).
/// The archive follows the streamer: MediaMTX's playback server (/get, which public_url must reach);
/// every other kind Flussonic's DVR forms, the de facto convention of camera archives: Flussonic
/// serves them itself, an nginx-rtmp node through its streamer-node service (vigil-archive, behind
/// the same nginx and hook), generic streamers through whatever serves their recordings over HTTP.
/// </summary>
public static class PlaybackUrls
{
    public static LivePlayback Live(Streamer streamer, string camera, string token)
    {
        var root = Root(streamer, camera);
        return new LivePlayback($"{root}/index.m3u8?token={token}", $"{root}/mpegts?token={token}");
    }

    /// <summary>Live with WebRTC where the streamer's node serves it: /CAMERA/webrtc on nginx-rtmp nodes (vigil-live behind the node's nginx).</summary>
    public static LivePlayback LiveWithWebRtc(Streamer streamer, string camera, string token, IReadOnlyList<IceServer> iceServers)
    {
        var live = Live(streamer, camera, token);
        return streamer.Kind == "nginx-rtmp" ? live with { Webrtc = $"{Root(streamer, camera)}/webrtc?token={token}", IceServers = iceServers } : live;
    }

    public static ArchivePlayback Archive(Streamer streamer, string camera, long from, long duration, string token)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"{from}-{duration}");
        if (streamer.Kind == "mediamtx")
        {
            var start = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(from).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            var get = string.Create(CultureInfo.InvariantCulture, $"{PublicUrl(streamer)}/get?path={camera}&start={start}&duration={duration}");
            return new ArchivePlayback(from, duration, null, null, $"{get}&format=mp4&token={token}", null);
        }
        var root = Root(streamer, camera);
        return new ArchivePlayback(from, duration,
            $"{root}/index-{range}.m3u8?token={token}",
            $"{root}/archive-{range}.ts?token={token}",
            $"{root}/archive-{range}.mp4?token={token}",
            string.Create(CultureInfo.InvariantCulture, $"{root}/timeshift_abs-{from}.m3u8?token={token}"),
            $"{root}/recording_status.json?token={token}");
    }

    // Camera names hold only letters, digits, '-', '_' and '.', and tokens are base64url: nothing to escape.
    private static string Root(Streamer streamer, string camera) => $"{PublicUrl(streamer)}/{camera}";

    private static string PublicUrl(Streamer streamer) => streamer.PublicUrl.TrimEnd('/');
}
