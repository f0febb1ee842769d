using Vigil.Onvif.Client;
using Vigil.Portal.Discovery;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// One camera's ONVIF session through its agent's tunnel: the HTTP client whose connections are
/// tunnels (each with a token of its own), the ONVIF client on it, the service addresses and the
/// profile the camera's onvif:// source names. Kept while in use so that a held PTZ button does
/// not cost a tunnel and a service discovery at every renewal.
/// </summary>
public sealed class CameraLink : IDisposable
{
    private readonly OnvifThroughAgent.TunneledHttp _http;

    internal CameraLink(string key, TunnelRoute route, OnvifSource source, OnvifThroughAgent.TunneledHttp http, OnvifClient client, IReadOnlyList<OnvifService> services, string profile)
    {
        Key = key;
        Route = route;
        Source = source;
        _http = http;
        Client = client;
        Services = services;
        Profile = profile;
        Touch();
    }

    /// <summary>The device and source this link was made for: a rebinding or a new source makes a new link.</summary>
    public string Key { get; }

    public OnvifClient Client { get; }

    /// <summary>Where the device's tunnels are opened, for another port of the same camera.</summary>
    public TunnelRoute Route { get; }

    /// <summary>The camera's ONVIF port and credentials.</summary>
    public OnvifSource Source { get; }

    /// <summary>HTTP to the camera's ONVIF port, each connection a tunnel.</summary>
    public HttpClient Http => _http.Client;

    public IReadOnlyList<OnvifService> Services { get; }

    /// <summary>The media profile PTZ and snapshots act on.</summary>
    public string Profile { get; }

    public long LastUsedTicks { get; private set; }

    public Uri? Service(string ns) => Services.FirstOrDefault(s => s.Namespace == ns)?.Address;

    public void Touch() => LastUsedTicks = Environment.TickCount64;

    public void Dispose() => _http.Dispose();
}
