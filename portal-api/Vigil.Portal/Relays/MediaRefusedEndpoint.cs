using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Portal.Devices;
using Vigil.Protocol.Server;

namespace Vigil.Portal.Relays;

/// <summary>A relay node passes on an agent's refusal of its assignment ("media_refused", docs/protocol.md).</summary>
public static class MediaRefusedEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext ctx, NodeAuth nodes, DeviceStore devices, CodecPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(placement);
        var node = await nodes.RequireAsync(ctx).ConfigureAwait(false);
        var body = await JsonBody.ReadAsync(ctx, NodeJsonContext.Default.NodeMediaRefused).ConfigureAwait(false);
        if (body.DeviceId is not { Length: > 0 and <= 64 } || body.Codec is not { Length: > 0 and <= 32 } || body.Reason is not { Length: <= 300 })
        {
            throw ApiException.BadRequest("device_id, codec (at most 32 characters) and reason (at most 300) are needed");
        }
        // A node speaks only for the devices it holds.
        var device = await devices.GetAsync(body.DeviceId).ConfigureAwait(false);
        if (device is null || device.RelayNode != node.NodeId)
        {
            throw ApiException.NotFound("device");
        }
        await placement.RefusedAsync(device, body.Codec, body.Reason, ctx.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }
}
