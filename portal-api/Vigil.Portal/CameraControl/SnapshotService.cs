using System.Collections.Concurrent;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Portal.Discovery;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// Stills of cameras: GetSnapshotUri through the agent's tunnel, then the JPEG through a tunnel
/// too, with the credentials of the camera's onvif:// source. A still is kept <see cref="CacheFor"/>
/// and shared by every viewer asking meanwhile (one fetch at a time per camera, whatever the size
/// of the grids watching it); a failure is kept as long, so an offline camera is not hammered.
/// </summary>
public sealed class SnapshotService(CameraOnvif onvif, AgentTunnel tunnels)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(8);
    public const int MaxBytes = 4 * 1024 * 1024;
    private const int MaxCached = 10_000;
    private static readonly TimeSpan ImageTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<long, (Task<byte[]> Still, long Until)> _stills = new();

    public Task<byte[]> GetAsync(Camera camera)
    {
        var now = Environment.TickCount64;
        if (_stills.TryGetValue(camera.Id, out var kept) && (kept.Until > now || !kept.Still.IsCompleted))
        {
            return kept.Still;
        }
        if (_stills.Count >= MaxCached)
        {
            foreach (var (id, entry) in _stills)
            {
                if (entry.Until <= now && entry.Still.IsCompleted)
                {
                    _stills.TryRemove(id, out _);
                }
            }
        }
        var fetch = FetchAsync(camera);
        var fresh = (fetch, now + (long)CacheFor.TotalMilliseconds);
        // Two first askers at once: one fetch wins, the other waits on it.
        return _stills.AddOrUpdate(camera.Id, fresh, (_, old) => old.Until > now || !old.Still.IsCompleted ? old : fresh).Still;
    }

    private async Task<byte[]> FetchAsync(Camera camera)
    {
        // Not the viewer's request: a still is fetched once for all of them.
        using var timeout = new CancellationTokenSource(FetchTimeout);
        try
        {
            return await StillAsync(camera, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new ApiException(StatusCodes.Status504GatewayTimeout, $"camera '{camera.Name}' did not answer: no still within {FetchTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<byte[]> StillAsync(Camera camera, CancellationToken timeout)
    {
        return await onvif.RunAsync(camera, async (link, ct) =>
        {
            var media = link.Service(OnvifNamespaces.Media);
            var media2 = link.Service(OnvifNamespaces.Media2);
            var address = media is not null ? await link.Client.GetSnapshotUriAsync(media, link.Profile, ct).ConfigureAwait(false)
                : media2 is not null ? await link.Client.GetSnapshotUri2Async(media2, link.Profile, ct).ConfigureAwait(false)
                : throw new OnvifException(OnvifErrorKind.Fault, "the camera lists no media service");
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new OnvifException(OnvifErrorKind.BadResponse, "GetSnapshotUri gave no http address");
            }
            // The address names the camera as it sees itself; through the tunnel only its port counts.
            if (uri.Port == link.Source.Port)
            {
                return await SnapshotFetch.GetAsync(link.Http, uri, link.Source.Credentials, MaxBytes, ImageTimeout, ct).ConfigureAwait(false);
            }
            using var other = await OnvifThroughAgent.TunneledHttp.OpenAsync(tunnels, link.Route, uri.Port, ct).ConfigureAwait(false);
            return await SnapshotFetch.GetAsync(other.Client, uri, link.Source.Credentials, MaxBytes, ImageTimeout, ct).ConfigureAwait(false);
        }, timeout).ConfigureAwait(false);
    }
}
