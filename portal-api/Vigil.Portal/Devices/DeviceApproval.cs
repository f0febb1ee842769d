using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Relays;

namespace Vigil.Portal.Devices;

/// <summary>
/// Approval, rejection and revocation of a device. An approved device's camera is placed and its
/// agent sent the assignment; a device that loses its approval is cut off at its relay. Every change
/// drops the cached hook decisions, so the streamers see it at once on this instance.
/// </summary>
public sealed class DeviceApproval(DeviceStore devices, RelayStore relays, RelayClient relay, CameraPlacement placement, DeviceAssignments assignments,
    PlayAuthorizer decisions, ILogger<DeviceApproval> log)
{
    public async Task<Device> SetStateAsync(string id, string state, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw DeviceRefusal.NotFound("device");
        await devices.SetStateAsync(id, state).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, state, actor);
        if (state == DeviceStates.Approved)
        {
            if (device.CameraId is { } cameraId)
            {
                await placement.PlaceAsync(cameraId).ConfigureAwait(false);
            }
            await assignments.PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        else if (device.State == DeviceStates.Approved || state == DeviceStates.Revoked)
        {
            await DisconnectAsync(device, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }

    private async Task DisconnectAsync(Device device, CancellationToken ct)
    {
        if (await relays.ReachableAsync(device.RelayNode).ConfigureAwait(false) is not { } node)
        {
            return;
        }
        try
        {
            await relay.DisconnectAsync(node, device.Id, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            PortalLog.RelayCommandFailed(log, node.NodeId, device.Id, e.Message);
        }
    }
}
