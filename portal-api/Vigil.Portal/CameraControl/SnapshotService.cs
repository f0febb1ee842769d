using System.Collections.Concurrent;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Portal.Discovery;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// Stills of cameras: GetSnapshotUri through the agent's tunnel, then the JPEG through a tunnel
/// too, with the credentials of the camera's onvif:// source; where the camera has no snapshot
/// address (no onvif:// source, or no GetSnapshotUri), a picture of its archive (<see cref="ArchiveStill"/>). A still is kept <see cref="CacheFor"/>
/// and shared by every viewer asking meanwhile (one fetch at a time per camera, whatever the size
/// of the grids watching it); a failure is kept as long, so an offline camera is not hammered.
/// </summary>
public sealed class SnapshotService(CameraOnvif onvif, AgentTunnel tunnels, ArchiveStill archive)
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
            var hasOnvif = OnvifSource.TryParse(camera.StreamUrl, out _, out _);
            var still = hasOnvif ? await StillAsync(camera, timeout.Token).ConfigureAwait(false) : null;
            return still ?? await FromArchiveAsync(camera, hasOnvif, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new ApiException(StatusCodes.Status504GatewayTimeout, $"camera '{camera.Name}' did not answer: no still within {FetchTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<byte[]> FromArchiveAsync(Camera camera, bool hasOnvif, CancellationToken ct)
    {
        byte[]? picture;
        try
        {
            picture = await archive.GetAsync(camera, ct).ConfigureAwait(false);
        }
        catch (OnvifException e)
        {
            throw new ApiException(e.Kind == OnvifErrorKind.Transport ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                $"camera '{camera.Name}' has no snapshot address, and its archive gave no picture: {e.Message}");
        }
        return picture ?? throw (hasOnvif
            ? ApiException.Conflict($"camera '{camera.Name}' offers no snapshot address and keeps no archive on a node that serves pictures of it")
            : await NoOnvifAsync(camera).ConfigureAwait(false));
    }

    /// <summary>The reason a camera without onvif:// source has no still, as the ONVIF path says it.</summary>
    private async Task<ApiException> NoOnvifAsync(Camera camera)
    {
        try
        {
            await onvif.TargetAsync(camera).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            return e;
        }
        return ApiException.Conflict($"camera '{camera.Name}' has no snapshot address");
    }

    /// <summary>The camera's still through its snapshot address, or null where it offers none.</summary>
    private async Task<byte[]?> StillAsync(Camera camera, CancellationToken timeout)
    {
        return await onvif.RunAsync(camera, async (link, ct) =>
        {
            var media = link.Service(OnvifNamespaces.Media);
            var media2 = link.Service(OnvifNamespaces.Media2);
            string? address;
            try
            {
                address = media is not null ? await link.Client.GetSnapshotUriAsync(media, link.Profile, ct).ConfigureAwait(false)
                    : media2 is not null ? await link.Client.GetSnapshotUri2Async(media2, link.Profile, ct).ConfigureAwait(false)
                    : null;
            }
            catch (OnvifException e) when (e.Kind == OnvifErrorKind.Fault)
            {
                // A camera without snapshots answers GetSnapshotUri with a fault (ter:ActionNotSupported).
                address = null;
            }
            if (address is null)
            {
                return null;
            }
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new OnvifException(OnvifErrorKind.BadResponse, "GetSnapshotUri gave no http address");
            }
            // The address names the camera as it sees itself; through the tunnel only its port counts.
            if (uri.Port == link.Source.Port)
            {
                return (byte[]?)await SnapshotFetch.GetAsync(link.Http, uri, link.Source.Credentials, MaxBytes, ImageTimeout, ct).ConfigureAwait(false);
            }
            using var other = await OnvifThroughAgent.TunneledHttp.OpenAsync(tunnels, link.Route, uri.Port, ct).ConfigureAwait(false);
            return await SnapshotFetch.GetAsync(other.Client, uri, link.Source.Credentials, MaxBytes, ImageTimeout, ct).ConfigureAwait(false);
        }, timeout).ConfigureAwait(false);
    }
}
