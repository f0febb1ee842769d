using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Protocol.Link;
using Vigil.Protocol.Tunnels;

namespace Vigil.Relay.Api;

/// <summary>
/// GET /v1/tunnel/{device}/{port} with "Connection: Upgrade", "Upgrade: vigil-tunnel" and a tunnel
/// token (Authorization: Bearer): after 101 Switching Protocols the connection is a raw TCP pipe to
/// that port of the camera, through the agent. Never an open proxy: the token names the device and
/// port, the agent checks its own allow-list too.
/// </summary>
internal static class TunnelEndpoint
{
    public const string UpgradeToken = "vigil-tunnel";

    public static async Task<IResult> HandleAsync(HttpContext ctx, RelayNode node, string deviceId, int port)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !string.Equals(ctx.Request.Headers.Upgrade.ToString(), UpgradeToken, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(node, deviceId, port, StatusCodes.Status426UpgradeRequired, "upgrade_required", $"send Connection: Upgrade and Upgrade: {UpgradeToken}");
        }
        var header = ctx.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : null;
        TunnelToken? grant = null;
        var refusal = port is < 1 or > 65535
            ? "bad_port"
            : TunnelToken.Verify(token, node.TunnelKeys, deviceId, port, DateTimeOffset.UtcNow, out grant);
        // Each token opens one tunnel: checked after the signature, so only the signer's tokens are remembered.
        refusal ??= node.TunnelReplays.TryUse(TunnelToken.ReplayKey(token)!, grant!.ExpiresAt, DateTimeOffset.UtcNow);
        if (refusal is not null)
        {
            if (refusal == "replayed")
            {
                RelayLog.TunnelReplay(node.Logger, deviceId, port);
            }
            return Refuse(node, deviceId, port, StatusCodes.Status403Forbidden, refusal, $"tunnel token refused: {refusal}");
        }
        if (node.Registry.Find(deviceId) is not { } session)
        {
            return Refuse(node, deviceId, port, StatusCodes.Status404NotFound, "no_agent", $"no agent {deviceId} on this node");
        }
        if (session.Hello?.TunnelPorts is { } allowed && !allowed.Contains(port))
        {
            return Refuse(node, deviceId, port, StatusCodes.Status403Forbidden, "port_not_allowed", $"the agent does not allow tunnels to port {port}");
        }
        MuxStream stream;
        try
        {
            stream = await session.OpenStreamAsync((ushort)port, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (MuxStreamException e)
        {
            return Refuse(node, deviceId, port, StatusCodes.Status502BadGateway, e.Code.ToString(), e.Message);
        }
        catch (LinkClosedException)
        {
            return Refuse(node, deviceId, port, StatusCodes.Status502BadGateway, "link_closed", "the agent's link closed");
        }

        // A tunnel is a long-lived byte pipe, not a request body: no size cap, no minimum rate.
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        if (ctx.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        node.Metrics.TunnelOpened();
        RelayLog.TunnelOpened(node.Logger, deviceId, port, grant?.Subject);
        try
        {
            await using var client = await upgrade.UpgradeAsync().ConfigureAwait(false);
            var up = StreamPump.CopyAsync(client, stream, stream.ShutdownWriteAsync);
            var down = StreamPump.CopyAsync(stream, client, () => ValueTask.CompletedTask);
            // The tunnel ends when the camera's side ends, or when the client's side breaks.
            var first = await Task.WhenAny(up, down).ConfigureAwait(false);
            if (first == down || !up.IsFaulted)
            {
                await down.ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // Either end went away; the stream is reset below.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            node.Metrics.TunnelClosed();
        }
        return Results.Empty;
    }

    private static IResult Refuse(RelayNode node, string deviceId, int port, int status, string reason, string message)
    {
        node.Metrics.TunnelRefused(reason);
        RelayLog.TunnelRefused(node.Logger, deviceId, port, reason);
        return NodeApi.Error(status, message);
    }
}
