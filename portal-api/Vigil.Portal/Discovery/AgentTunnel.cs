using System.Net;
using System.Net.Sockets;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Api;

namespace Vigil.Portal.Discovery;

/// <summary>Where a device's tunnels are opened: the node that holds it and that node's API endpoint.</summary>
public sealed record TunnelRoute(string DeviceId, string NodeId, EndPoint Api);

/// <summary>
/// TCP streams to a local port of a camera behind an agent, through the relay node that holds the
/// agent's session (docs/protocol.md §11). The portal signs each tunnel's token itself, short-lived
/// and for one device and port; the relay checks it, and the agent checks its own tunnel_ports.
/// Refusals become <see cref="ApiException"/>s that say what to fix: 409 for a device or agent
/// that cannot take the tunnel as it is, 502 for a relay or camera that failed.
/// </summary>
public sealed class AgentTunnel(DeviceStore devices, RelayStore relays, PortalSecrets secrets)
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The route to a device's tunnels, if it is approved and connected to a node whose API the portal knows.</summary>
    public async Task<TunnelRoute> RouteAsync(string deviceId, CancellationToken ct)
    {
        var device = await devices.GetAsync(deviceId).ConfigureAwait(false) ?? throw ApiException.NotFound("device");
        if (device.State != DeviceStates.Approved)
        {
            throw ApiException.Conflict($"the device is {device.State}, not approved");
        }
        if (device is not { Connected: true, RelayNode: { } nodeId })
        {
            throw ApiException.Conflict("the device is offline: it is not connected to any relay");
        }
        var node = await relays.GetAsync(nodeId).ConfigureAwait(false);
        if (node is null || !Uri.TryCreate(node.ApiUrl, UriKind.Absolute, out var api))
        {
            throw ApiException.Conflict($"relay node {nodeId} has no API address the portal can use");
        }
        if (api.Scheme != Uri.UriSchemeHttp)
        {
            throw ApiException.Conflict($"relay node {nodeId}'s API is {api.Scheme}; tunnels are opened over http to the node API");
        }
        return new TunnelRoute(deviceId, nodeId, await EndPointAsync(api, nodeId, ct).ConfigureAwait(false));
    }

    /// <summary>Opens one tunnel: the stream carries the camera port's bytes both ways. Never half-close it.</summary>
    public async Task<Stream> OpenAsync(TunnelRoute route, int port, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var token = new TunnelToken { DeviceId = route.DeviceId, Port = port, IssuedAt = now, ExpiresAt = now + TokenLifetime, Subject = "portal" }
            .Sign(secrets.TunnelSigningKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(OpenTimeout);
        try
        {
            return await TunnelClient.ConnectAsync(route.Api, route.DeviceId, port, token, timeout.Token).ConfigureAwait(false);
        }
        catch (TunnelRefusedException e)
        {
            throw e.Status switch
            {
                StatusCodes.Status403Forbidden when e.Reason.Contains("tunnel_ports", StringComparison.Ordinal) || e.Reason.Contains("does not allow", StringComparison.Ordinal) =>
                    ApiException.Conflict($"{e.Reason}: add {port} to tunnel_ports in the agent's config"),
                StatusCodes.Status403Forbidden =>
                    new ApiException(StatusCodes.Status502BadGateway, $"relay node {route.NodeId} refused the portal's tunnel token ({e.Reason}): give the node the portal's tunnel key (GET /api/v1/tunnel-key)"),
                StatusCodes.Status404NotFound => ApiException.Conflict($"the device is offline: relay node {route.NodeId} does not hold it now"),
                // The agent refused: a port outside its tunnel_ports (checked again there), or nothing listening on it.
                StatusCodes.Status502BadGateway when e.Reason.Contains("tunnel_ports", StringComparison.Ordinal) =>
                    ApiException.Conflict($"the agent refused: {e.Reason}"),
                StatusCodes.Status502BadGateway => new ApiException(StatusCodes.Status502BadGateway, $"the agent could not open port {port} on the camera: {e.Reason}"),
                _ => new ApiException(StatusCodes.Status502BadGateway, $"relay node {route.NodeId} did not open the tunnel ({e.Status}): {e.Reason}"),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status504GatewayTimeout, $"relay node {route.NodeId} did not open the tunnel within {OpenTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"cannot reach relay node {route.NodeId}'s API at {route.Api}: {e.Message}");
        }
    }

    private static async Task<EndPoint> EndPointAsync(Uri api, string nodeId, CancellationToken ct)
    {
        if (IPAddress.TryParse(api.Host.Trim('[', ']'), out var ip))
        {
            return new IPEndPoint(ip, api.Port);
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(api.Host, ct).ConfigureAwait(false);
            return addresses.Length > 0
                ? new IPEndPoint(addresses[0], api.Port)
                : throw new ApiException(StatusCodes.Status502BadGateway, $"relay node {nodeId}'s API host {api.Host} has no address");
        }
        catch (SocketException e)
        {
            throw new ApiException(StatusCodes.Status502BadGateway, $"cannot resolve relay node {nodeId}'s API host {api.Host}: {e.Message}");
        }
    }
}
