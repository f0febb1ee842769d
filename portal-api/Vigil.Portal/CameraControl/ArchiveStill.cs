using Vigil.Onvif.Client;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Playback;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// A still from the camera's own archive, for a camera that has no snapshot address (no onvif://
/// source, or a camera that offers no GetSnapshotUri): the preview picture of a moment a few seconds
/// back (FROM-preview.jpg) from the archive service of the nginx-rtmp node the camera is placed on,
/// asked through the node's HTTP like any viewer, with a token of the portal's own that opens that
/// one picture for seconds (<see cref="PlaybackKind.Still"/>). The viewers' right to see the camera
/// is checked before, by the snapshot endpoint.
/// </summary>
public sealed class ArchiveStill(StreamerStore streamers, PortalSecrets secrets, IHttpClientFactory http)
{
    public const string HttpClientName = "archive-still";

    /// <summary>How far back the moment is: the recorder indexes its current file as it grows, a keyframe or two behind.</summary>
    public const int SecondsBack = 3;

    private const int TokenSeconds = 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The picture, or null where the camera keeps no archive on a node that serves one.</summary>
    public async Task<byte[]?> GetAsync(Camera camera, CancellationToken ct)
    {
        if (camera.DvrDepth <= 0 || camera.StreamerId is not { } id)
        {
            return null;
        }
        var streamer = await streamers.GetAsync(id).ConfigureAwait(false);
        if (streamer is null || streamer.Kind != "nginx-rtmp" || !Uri.TryCreate(streamer.PublicUrl, UriKind.Absolute, out _))
        {
            return null;
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var moment = now - SecondsBack;
        var token = PlaybackToken.Issue(secrets.TokenKey, 0, camera.Name, PlaybackKind.Still, now, now + TokenSeconds, moment, moment);
        var uri = new Uri($"{streamer.PublicUrl.TrimEnd('/')}/{camera.Name}/{moment}-preview.jpg?token={token}");
        return await SnapshotFetch.GetAsync(http.CreateClient(HttpClientName), uri, null, SnapshotService.MaxBytes, Timeout, ct).ConfigureAwait(false);
    }
}
