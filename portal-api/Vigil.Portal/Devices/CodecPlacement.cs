using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Streamers;

namespace Vigil.Portal.Devices;

/// <summary>
/// An agent refused its assignment because its camera's codec does not go into the streamer's
/// ingest (H.265 into nginx-rtmp). The portal keeps the codec and the reason on the device (the
/// devices page shows them), moves the camera to a streamer that takes the codec if there is one,
/// and sends the agent its new assignment; otherwise the reason says what to add.
/// </summary>
public sealed class CodecPlacement(DeviceStore devices, CameraStore cameras, StreamerStore streamers, DeviceAssignments life, PlayAuthorizer decisions,
    ILogger<CodecPlacement> log)
{
    public async Task RefusedAsync(Device device, string codec, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        codec = StreamerCodecs.Normalize(codec);
        var camera = device.CameraId is { } cameraId ? await cameras.GetAsync(cameraId).ConfigureAwait(false) : null;
        var current = camera?.StreamerId is { } sid ? await streamers.GetAsync(sid).ConfigureAwait(false) : null;
        string outcome;
        if (camera is null)
        {
            outcome = "the device is bound to no camera";
        }
        else if (current is not null && StreamerCodecs.Takes(current, codec))
        {
            // The table says this streamer takes it; the agent says it cannot go: nothing to move to.
            outcome = $"streamer {current.Name} should take {codec}: check its ingest address";
        }
        else if (await streamers.PickAsync(current?.Id, fits: s => StreamerCodecs.Takes(s, codec)).ConfigureAwait(false) is { } pick)
        {
            camera.StreamerId = pick.Id;
            await cameras.UpdateAsync(camera).ConfigureAwait(false);
            decisions.Invalidate();
            outcome = $"moved to streamer {pick.Name}, which takes {codec}";
        }
        else
        {
            outcome = $"no streamer takes {codec}: add a mediamtx or flussonic streamer with an rtsp:// ingest";
        }
        await devices.SetMediaAsync(device.Id, codec, $"{reason} ({outcome})").ConfigureAwait(false);
        PortalLog.MediaRefused(log, device.Id, codec, reason, outcome);
        if (outcome.StartsWith("moved", StringComparison.Ordinal))
        {
            await life.PushAssignmentAsync(device.Id, ct).ConfigureAwait(false);
        }
    }
}
