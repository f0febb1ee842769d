using System.Collections.Concurrent;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// Subscribes to the ONVIF events of every camera that can be asked (an onvif:// source, an
/// approved device bound) through its agent's tunnel: a PullPoint, PullMessages long-polls,
/// Renew, and a new subscription with full-jitter backoff (1 s to 60 s) after the agent or the
/// camera went away. Each camera is held by one portal instance at a time through a lease row
/// that its holder renews; another instance takes it when the lease runs out. Motion, tamper and
/// input events are kept and sent to the webhook.
/// </summary>
public sealed class EventSubscriber(EventStore store, CameraStore cameras, CameraOnvif onvif, EventWebhook webhook, ILogger<EventSubscriber> log) : BackgroundService
{
    public static readonly TimeSpan PullWait = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LeaseFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ScanEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Termination = TimeSpan.FromSeconds(60);
    private static readonly OnvifClientOptions PullOptions = new() { RequestTimeout = PullWait + TimeSpan.FromSeconds(5), MaxResponseBytes = 1024 * 1024 };
    private const int MaxHeld = 5000;
    private readonly string _holder = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<long, Task> _held = new();

    /// <summary>The cameras this instance holds now.</summary>
    public IReadOnlyCollection<long> Held => _held.Keys.ToList();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var expired = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var id in await store.SubscribableAsync().ConfigureAwait(false))
                {
                    if (_held.Count < MaxHeld && !_held.ContainsKey(id) && await store.LeaseAsync(id, _holder, Lease()).ConfigureAwait(false))
                    {
                        _held[id] = Task.Run(() => HoldAsync(id, stoppingToken), CancellationToken.None);
                    }
                }
                if (DateTime.UtcNow - expired > TimeSpan.FromMinutes(1))
                {
                    expired = DateTime.UtcNow;
                    await store.ExpireAsync().ConfigureAwait(false);
                }
            }
            catch (System.Data.Common.DbException e)
            {
                PortalLog.EventSubscriptionFailed(log, "(all)", e.Message, 0);
            }
            await Task.Delay(ScanEvery, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        await Task.WhenAll(_held.Values).ConfigureAwait(false);
    }

    private static long Lease() => Clock.NowMs() + (long)LeaseFor.TotalMilliseconds;

    /// <summary>One camera, while this instance holds its lease and the camera can be subscribed to.</summary>
    private async Task HoldAsync(long cameraId, CancellationToken stopping)
    {
        var failures = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var camera = await cameras.GetAsync(cameraId).ConfigureAwait(false);
                if (camera is null || !await store.IsSubscribableAsync(cameraId).ConfigureAwait(false) || !await store.LeaseAsync(cameraId, _holder, Lease()).ConfigureAwait(false))
                {
                    return;
                }
                try
                {
                    await onvif.RunAsync(camera, (link, ct) => PullAsync(camera, link, () => failures = 0, ct), stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ApiException or OnvifException)
                {
                    failures++;
                    // Full jitter: many cameras that lost one relay do not come back in step.
                    var ceiling = Math.Min(60, Math.Pow(2, Math.Min(failures, 6)));
                    var delay = TimeSpan.FromSeconds(Math.Max(1, Random.Shared.NextDouble() * ceiling));
                    PortalLog.EventSubscriptionFailed(log, camera.Name, e.Message, delay.TotalSeconds);
                    await Task.Delay(delay, stopping).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
            }
        }
        catch (System.Data.Common.DbException e)
        {
            PortalLog.EventSubscriptionFailed(log, cameraId.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, 0);
        }
        finally
        {
            _held.TryRemove(cameraId, out _);
            try
            {
                await store.ReleaseAsync(cameraId, _holder).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException)
            {
                // The lease runs out by itself.
            }
        }
    }

    /// <summary>Subscribes and pulls until the lease is lost, the camera is no longer to be asked, or something fails.</summary>
    private async Task<bool> PullAsync(Camera camera, CameraLink link, Action healthy, CancellationToken ct)
    {
        var events = link.Service(OnvifClient.EventsNamespace) ?? throw ApiException.Conflict($"camera '{camera.Name}' has no event service");
        var client = new OnvifClient(link.Http, link.Source.DeviceService, link.Source.Credentials, PullOptions, log);
        try
        {
            await client.SyncClockAsync(ct).ConfigureAwait(false);
        }
        catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
        {
            // The UsernameToken may still pass if the clocks agree.
        }
        var subscription = await client.CreatePullPointSubscriptionAsync(events, Termination, ct).ConfigureAwait(false);
        // The camera names itself as it believes it is reached; through the tunnel only the path counts.
        var address = new UriBuilder(subscription.Address) { Scheme = link.Source.DeviceService.Scheme, Host = link.Source.DeviceService.Host, Port = link.Source.DeviceService.Port }.Uri;
        PortalLog.EventSubscribed(log, camera.Name);
        var renewed = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                link.Touch();
                var messages = await client.PullMessagesAsync(address, PullWait, 64, ct).ConfigureAwait(false);
                healthy();
                foreach (var m in messages)
                {
                    await KeepAsync(camera, m).ConfigureAwait(false);
                }
                if (DateTime.UtcNow - renewed > RenewEvery)
                {
                    await client.RenewAsync(address, Termination, ct).ConfigureAwait(false);
                    renewed = DateTime.UtcNow;
                    if (!await store.LeaseAsync(camera.Id, _holder, Lease()).ConfigureAwait(false)
                        || !await store.IsSubscribableAsync(camera.Id).ConfigureAwait(false))
                    {
                        await client.UnsubscribeAsync(address, ct).ConfigureAwait(false);
                        return false;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        return true;
    }

    private async Task KeepAsync(Camera camera, OnvifEvent m)
    {
        var kind = Kind(m);
        if (kind is null)
        {
            return;
        }
        var at = (m.Time ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        var id = await store.AddAsync(camera.Id, at, kind, m.Topic, m.Source, m.Data).ConfigureAwait(false);
        webhook.Enqueue(new CameraEvent(id, camera.Name, at, kind, m.Topic, new Dictionary<string, string>(m.Source), new Dictionary<string, string>(m.Data)));
    }

    /// <summary>
    /// Motion, tamper or input by topic, kept when the event says the state began (IsMotion,
    /// IsTamper, State, LogicalState true); other topics and the ends of states are not kept.
    /// </summary>
    internal static string? Kind(OnvifEvent m)
    {
        var topic = m.Topic;
        var kind = topic.Contains("Motion", StringComparison.OrdinalIgnoreCase) ? "motion"
            : topic.Contains("Tamper", StringComparison.OrdinalIgnoreCase) || topic.Contains("GlobalSceneChange", StringComparison.OrdinalIgnoreCase) ? "tamper"
            : topic.Contains("DigitalInput", StringComparison.OrdinalIgnoreCase) ? "input"
            : null;
        if (kind is null)
        {
            return null;
        }
        var state = m.Data.Where(d => d.Key is "IsMotion" or "IsTamper" or "State" or "LogicalState" or "IsInside").Select(d => d.Value).FirstOrDefault();
        return state is null || state.Equals("true", StringComparison.OrdinalIgnoreCase) || state == "1" ? kind : null;
    }
}
