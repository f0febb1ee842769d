using System.Collections.Concurrent;
using Nito.AsyncEx;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Portal.Discovery;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// Runs ONVIF operations on a camera through the agent bound to it. The camera's stream_url must
/// be an onvif:// source (it names the ONVIF port, the credentials and the profile); links are
/// kept per camera for <see cref="IdleFor"/> and made afresh when the binding or source changes or
/// when the tunnel broke (the agent reconnected elsewhere). Failures become ApiExceptions that say
/// what to fix.
/// </summary>
public sealed class CameraOnvif(DeviceStore devices, AgentTunnel tunnels, ILogger<CameraOnvif> log) : IDisposable
{
    public static readonly TimeSpan IdleFor = TimeSpan.FromSeconds(60);
    private static readonly OnvifClientOptions Options = new() { RequestTimeout = TimeSpan.FromSeconds(4), MaxResponseBytes = 512 * 1024 };
    private readonly ConcurrentDictionary<long, CameraLink> _links = new();
    private readonly ConcurrentDictionary<long, AsyncLock> _opening = new();

    /// <summary>
    /// Runs <paramref name="action"/> on the camera's link. A transport failure on a kept link is
    /// tried once more on a new one: the tunnel may have died with the agent's old session.
    /// </summary>
    public async Task<T> RunAsync<T>(Camera camera, Func<CameraLink, CancellationToken, Task<T>> action, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (link, fresh) = await LinkAsync(camera, ct).ConfigureAwait(false);
            try
            {
                link.Touch();
                return await action(link, ct).ConfigureAwait(false);
            }
            catch (OnvifException e) when (e.Kind == OnvifErrorKind.Transport && !fresh && attempt == 0)
            {
                Drop(camera.Id, link);
            }
            catch (OnvifException e)
            {
                if (e.Kind == OnvifErrorKind.Transport)
                {
                    Drop(camera.Id, link);
                }
                throw Translate(camera, e);
            }
        }
    }

    public Task RunAsync(Camera camera, Func<CameraLink, CancellationToken, Task> action, CancellationToken ct) =>
        RunAsync(camera, async (link, t) =>
        {
            await action(link, t).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>Closes links unused for <see cref="IdleFor"/>.</summary>
    public void CloseIdle()
    {
        var cutoff = Environment.TickCount64 - (long)IdleFor.TotalMilliseconds;
        foreach (var (id, link) in _links)
        {
            if (link.LastUsedTicks < cutoff)
            {
                Drop(id, link);
            }
        }
    }

    /// <summary>The camera's device and source, or a 409 that says what is missing.</summary>
    public async Task<(Device Device, OnvifSource Source)> TargetAsync(Camera camera)
    {
        if (!OnvifSource.TryParse(camera.StreamUrl, out var source, out _))
        {
            throw ApiException.Conflict($"camera '{camera.Name}' has no onvif:// source: its stream_url must be onvif://user:password@127.0.0.1:PORT[/profile] for the portal to reach its ONVIF services");
        }
        var device = await devices.BoundToAsync(camera.Id).ConfigureAwait(false)
            ?? throw ApiException.Conflict($"no device is bound to camera '{camera.Name}'");
        return (device, source);
    }

    private async Task<(CameraLink Link, bool Fresh)> LinkAsync(Camera camera, CancellationToken ct)
    {
        var (device, source) = await TargetAsync(camera).ConfigureAwait(false);
        var key = device.Id + "\n" + camera.StreamUrl;
        if (_links.TryGetValue(camera.Id, out var kept) && kept.Key == key)
        {
            return (kept, false);
        }
        // One opening per camera at a time: callers that queue behind it find its link.
        using (await _opening.GetOrAdd(camera.Id, _ => new AsyncLock()).LockAsync(ct).ConfigureAwait(false))
        {
            if (_links.TryGetValue(camera.Id, out kept))
            {
                if (kept.Key == key)
                {
                    return (kept, false);
                }
                Drop(camera.Id, kept);
            }
            var link = await OpenAsync(camera, device, source, key, ct).ConfigureAwait(false);
            _links[camera.Id] = link;
            return (link, true);
        }
    }

    private async Task<CameraLink> OpenAsync(Camera camera, Device device, OnvifSource source, string key, CancellationToken ct)
    {
        var route = await tunnels.RouteAsync(device.Id, ct).ConfigureAwait(false);
        var http = await OnvifThroughAgent.TunneledHttp.OpenAsync(tunnels, route, source.Port, ct).ConfigureAwait(false);
        try
        {
            var client = new OnvifClient(http.Client, source.DeviceService, source.Credentials, Options, log);
            try
            {
                await client.SyncClockAsync(ct).ConfigureAwait(false);
            }
            catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
            {
                // Without the device's time the UsernameToken may still pass if the clocks agree.
            }
            var services = await client.DiscoverServicesAsync(ct).ConfigureAwait(false);
            var profile = source.Profile;
            if (profile is null)
            {
                var media = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media)?.Address;
                var media2 = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media2)?.Address;
                var profiles = media is not null ? await client.GetProfilesAsync(media, ct).ConfigureAwait(false)
                    : media2 is not null ? await client.GetProfiles2Async(media2, ct).ConfigureAwait(false)
                    : throw new OnvifException(OnvifErrorKind.Fault, "the device lists no media service");
                profile = profiles.FirstOrDefault()?.Token ?? throw new OnvifException(OnvifErrorKind.Fault, "the device has no media profile");
            }
            PortalLog.CameraLinkOpened(log, camera.Name, device.Id, profile);
            return new CameraLink(key, route, source, http, client, services, profile);
        }
        catch (OnvifException e)
        {
            http.Dispose();
            throw Translate(camera, e);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    private void Drop(long cameraId, CameraLink link)
    {
        if (_links.TryRemove(new KeyValuePair<long, CameraLink>(cameraId, link)))
        {
            link.Dispose();
        }
    }

    private static ApiException Translate(Camera camera, OnvifException e) => e.Kind switch
    {
        OnvifErrorKind.NotAuthorized => new ApiException(StatusCodes.Status502BadGateway, $"camera '{camera.Name}' refused the credentials of its onvif:// source ({e.Message})"),
        OnvifErrorKind.Transport => new ApiException(StatusCodes.Status504GatewayTimeout, $"camera '{camera.Name}' did not answer: {e.Message}"),
        _ => new ApiException(StatusCodes.Status502BadGateway, $"camera '{camera.Name}': {e.Message}"),
    };

    public void Dispose()
    {
        foreach (var (id, link) in _links)
        {
            Drop(id, link);
        }
    }
}
