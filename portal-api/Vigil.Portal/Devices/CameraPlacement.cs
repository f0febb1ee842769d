using Vigil.Portal.Data;
using Vigil.Portal.Streamers;

namespace Vigil.Portal.Devices;

/// <summary>Puts a device's camera on a streamer that is up, takes the camera's codec and has the most room.</summary>
public sealed class CameraPlacement(DeviceStore devices, CameraStore cameras, StreamerStore streamers)
{
    /// <summary>A camera without a streamer (or on one that is down) is put on the one with the most room.</summary>
    public async Task PlaceAsync(long cameraId)
    {
        var camera = await cameras.GetAsync(cameraId).ConfigureAwait(false);
        if (camera is null)
        {
            return;
        }
        var current = camera.StreamerId is { } sid ? await streamers.GetAsync(sid).ConfigureAwait(false) : null;
        // A camera whose agent said its codec (H.265) goes only where that codec can go.
        var codec = (await devices.BoundToAsync(cameraId).ConfigureAwait(false))?.VideoCodec;
        if (current is not null && current.Health != "down" && StreamerCodecs.Takes(current, codec))
        {
            return;
        }
        var pick = await streamers.PickAsync(current?.Id, fits: s => StreamerCodecs.Takes(s, codec)).ConfigureAwait(false);
        if (pick is not null)
        {
            camera.StreamerId = pick.Id;
            await cameras.UpdateAsync(camera).ConfigureAwait(false);
        }
    }
}
