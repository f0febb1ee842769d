using Vigil.Portal.Data;
using Vigil.Portal.Hooks;

namespace Vigil.Portal.Devices;

/// <summary>
/// An operator binds a device to a camera (and so to that camera's streamer), or gives it to a user.
/// An approved device's agent is sent its new assignment at once.
/// </summary>
public sealed class DeviceBinding(DeviceStore devices, CameraStore cameras, CameraPlacement placement, DeviceAssignments assignments,
    PlayAuthorizer decisions, ILogger<DeviceBinding> log)
{
    /// <summary>Binds the device to a camera (not named BindAsync, which minimal APIs reserve for parameter binders).</summary>
    public async Task<Device> BindCameraAsync(string id, string? cameraName, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw DeviceRefusal.NotFound("device");
        long? cameraId = null;
        if (!string.IsNullOrEmpty(cameraName))
        {
            var camera = await cameras.GetAsync(cameraName).ConfigureAwait(false)
                ?? throw new DeviceRefusal(DeviceRefusalKind.Invalid, $"no camera '{cameraName}'");
            var holder = await devices.BoundToAsync(camera.Id).ConfigureAwait(false);
            if (holder is not null && holder.Id != id)
            {
                throw DeviceRefusal.Conflict($"camera '{cameraName}' is bound to device {holder.Id}");
            }
            cameraId = camera.Id;
            if (device.Serial.Length > 0 && camera.AgentSerial != device.Serial)
            {
                camera.AgentSerial = device.Serial;
                await cameras.UpdateAsync(camera).ConfigureAwait(false);
            }
            await placement.PlaceAsync(camera.Id).ConfigureAwait(false);
        }
        await devices.SetCameraAsync(id, cameraId).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, cameraName is { Length: > 0 } ? $"bound to {cameraName}" : "unbound", actor);
        if (device.State == DeviceStates.Approved)
        {
            await assignments.PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }

    /// <summary>
    /// An operator gives a device to a user, as if the user had claimed it: the device's camera
    /// becomes the user's (a private camera is made for a device that has none) and the device is
    /// bound to it. Its approval state is left as it is.
    /// </summary>
    public async Task<Device> BindUserAsync(string id, User user, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw DeviceRefusal.NotFound("device");
        var camera = device.CameraId is { } cid ? await cameras.GetAsync(cid).ConfigureAwait(false) : null;
        if (camera is null)
        {
            camera = await PrivateCamera.ForAsync(cameras, device, user.Id).ConfigureAwait(false);
        }
        else if (camera.OwnerId != user.Id)
        {
            camera.OwnerId = user.Id;
            await cameras.UpdateAsync(camera).ConfigureAwait(false);
        }
        await devices.SetClaimedAsync(device.Id, user.Id).ConfigureAwait(false);
        await devices.SetCameraAsync(device.Id, camera.Id).ConfigureAwait(false);
        await placement.PlaceAsync(camera.Id).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, $"given to {user.Login} with camera {camera.Name}", actor);
        if (device.State == DeviceStates.Approved)
        {
            await assignments.PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }
}
