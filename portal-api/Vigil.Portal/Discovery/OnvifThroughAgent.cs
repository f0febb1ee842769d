using System.Collections.Concurrent;
using Vigil.Onvif.Client;
using Vigil.Onvif.Scanning;
using Vigil.Portal.Api;

namespace Vigil.Portal.Discovery;

/// <summary>
/// The ONVIF client run against a camera behind an agent: every connection the HTTP client wants
/// is a new tunnel to the camera's ONVIF port, through the relay node and the agent. The agent
/// itself links no XML; the camera's answers are read here. Two uses: an operator asks what a
/// camera offers, and an assignment whose source is onvif:// gets the RTSP address the camera
/// reports for its profile.
/// </summary>
public sealed class OnvifThroughAgent(AgentTunnel tunnels, ILogger<OnvifThroughAgent> log)
{
    /// <summary>
    /// The relay waits 10 s for the portal's answer to a hello, and the assignment rides on that
    /// answer; resolving stays well inside it so a slow camera withholds the assignment instead
    /// of failing the hello.
    /// </summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A camera's stream address rarely changes; a reconnecting agent should not cost an ONVIF round each time.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    /// <summary>An operator's question may walk every profile of a many-channel device.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(60);

    private const int MaxCached = 10_000;
    private static readonly OnvifClientOptions Options = new() { RequestTimeout = TimeSpan.FromSeconds(4) };
    private readonly ConcurrentDictionary<string, (string Rtsp, DateTimeOffset Until)> _resolved = new(StringComparer.Ordinal);

    /// <summary>Identity, profiles and their RTSP addresses, as the camera reports them (credentials taken out).</summary>
    public async Task<OnvifQueryOutcome> QueryAsync(string deviceId, int port, OnvifCredentials? credentials, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(QueryTimeout);
        var route = await tunnels.RouteAsync(deviceId, timeout.Token).ConfigureAwait(false);
        using var http = await TunneledHttp.OpenAsync(tunnels, route, port, timeout.Token).ConfigureAwait(false);
        var outcome = await OnvifDeviceQuery.RunAsync(http.Client, [new Uri($"http://127.0.0.1:{port}/onvif/device_service")], credentials, Options, log, timeout.Token)
            .ConfigureAwait(false);
        PortalLog.OnvifQueried(log, deviceId, port, outcome.Error ?? $"{outcome.Streams.Count} profiles");
        return outcome;
    }

    /// <summary>
    /// The RTSP address an onvif:// source stands for, with the source's credentials in it, or null
    /// (logged) when the camera cannot be asked now; the caller then withholds the assignment.
    /// </summary>
    public async Task<string?> ResolveSourceAsync(string deviceId, string camera, string streamUrl)
    {
        var key = deviceId + "\n" + streamUrl;
        var now = DateTimeOffset.UtcNow;
        if (_resolved.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Rtsp;
        }
        if (!OnvifSource.TryParse(streamUrl, out var source, out var error))
        {
            PortalLog.OnvifSourceUnresolved(log, deviceId, camera, error);
            return null;
        }
        using var timeout = new CancellationTokenSource(ResolveTimeout);
        try
        {
            var route = await tunnels.RouteAsync(deviceId, timeout.Token).ConfigureAwait(false);
            using var http = await TunneledHttp.OpenAsync(tunnels, route, source.Port, timeout.Token).ConfigureAwait(false);
            var client = new OnvifClient(http.Client, source.DeviceService, source.Credentials, Options, log);
            var (profile, rtsp) = await StreamOfAsync(client, source.Profile, timeout.Token).ConfigureAwait(false);
            var resolved = OnvifSource.WithCredentials(rtsp, source.Credentials);
            if (_resolved.Count >= MaxCached)
            {
                foreach (var stale in _resolved.Where(e => e.Value.Until <= now).Select(e => e.Key).ToList())
                {
                    _resolved.TryRemove(stale, out _);
                }
            }
            _resolved[key] = (resolved, now + CacheFor);
            PortalLog.OnvifSourceResolved(log, deviceId, camera, profile);
            return resolved;
        }
        catch (Exception e) when (e is ApiException or OnvifException or OperationCanceledException or HttpRequestException or IOException)
        {
            PortalLog.OnvifSourceUnresolved(log, deviceId, camera,
                e is OperationCanceledException ? $"no answer within {ResolveTimeout.TotalSeconds:0} s" : e.Message);
            return null;
        }
    }

    /// <summary>
    /// GetProfiles, the named profile (else the first), and its GetStreamUri for RTP unicast over
    /// RTSP: from Media (ver10), which nearly every camera has, else from Media2.
    /// </summary>
    private static async Task<(string Profile, string Rtsp)> StreamOfAsync(OnvifClient client, string? wanted, CancellationToken ct)
    {
        try
        {
            await client.SyncClockAsync(ct).ConfigureAwait(false);
        }
        catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
        {
            // Without the device's time the token may still pass if the clocks agree; go on.
        }
        var services = await client.DiscoverServicesAsync(ct).ConfigureAwait(false);
        var media = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media)?.Address;
        var media2 = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media2)?.Address;
        if (media is null && media2 is null)
        {
            throw new OnvifException(OnvifErrorKind.Fault, "the device lists no media service");
        }
        var profiles = media is not null ? await client.GetProfilesAsync(media, ct).ConfigureAwait(false) : await client.GetProfiles2Async(media2!, ct).ConfigureAwait(false);
        var profile = wanted is null
            ? profiles.FirstOrDefault() ?? throw new OnvifException(OnvifErrorKind.Fault, "the device has no media profile")
            : profiles.FirstOrDefault(p => p.Token == wanted)
              ?? throw new OnvifException(OnvifErrorKind.Fault, $"the device has no profile '{wanted}' (it has {string.Join(", ", profiles.Take(8).Select(p => p.Token))})");
        var uri = media is not null
            ? await client.GetStreamUriAsync(media, profile.Token, ct).ConfigureAwait(false)
            : await client.GetStreamUri2Async(media2!, profile.Token, ct).ConfigureAwait(false);
        return uri is { Length: > 0 } && Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.Scheme is "rtsp" or "rtsps"
            ? (profile.Token, uri)
            : throw new OnvifException(OnvifErrorKind.BadResponse, $"GetStreamUri of profile {profile.Token} gave no RTSP address");
    }

    /// <summary>
    /// An HTTP client whose connections are tunnels. The first tunnel is opened before any request,
    /// so that a refusal (device offline, port not allowed) reaches the caller with its reason
    /// rather than as the HTTP client's "cannot connect".
    /// </summary>
    internal sealed class TunneledHttp : IDisposable
    {
        private Stream? _first;

        private TunneledHttp(Stream first, AgentTunnel tunnels, TunnelRoute route, int port)
        {
            _first = first;
            Client = new HttpClient(OnvifHttp.ConnectThrough(async (_, ct) =>
                Interlocked.Exchange(ref _first, null) ?? await tunnels.OpenAsync(route, port, ct).ConfigureAwait(false)))
            {
                // Each ONVIF request has its own timeout; the HttpClient's would only cut them short.
                Timeout = Timeout.InfiniteTimeSpan,
            };
        }

        public HttpClient Client { get; }

        public static async Task<TunneledHttp> OpenAsync(AgentTunnel tunnels, TunnelRoute route, int port, CancellationToken ct) =>
            new(await tunnels.OpenAsync(route, port, ct).ConfigureAwait(false), tunnels, route, port);

        public void Dispose()
        {
            Client.Dispose();
            Interlocked.Exchange(ref _first, null)?.Dispose();
        }
    }
}
