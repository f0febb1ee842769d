using System.Text.Json;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Playback;
using Vigil.Portal.Relays;
using Vigil.Protocol.Control;
using Vigil.Protocol.Server;

namespace Vigil.Portal.Devices;

/// <summary>
/// The assignment of a device (from its approval, its camera and that camera's streamer) and the
/// <c>assign</c> command that carries it through the relay that holds the agent.
/// </summary>
public sealed class DeviceAssignments(DeviceStore devices, CameraStore cameras, StreamerStore streamers, RelayStore relays, RelayClient relay,
    PortalSecrets secrets, Discovery.OnvifThroughAgent onvif, ILogger<DeviceAssignments> log)
{
    /// <summary>The assignment of an approved device bound to an enabled camera on a streamer, else null.</summary>
    public async Task<AssignCommand?> AssignmentAsync(Device device)
    {
        if (device.State != DeviceStates.Approved || device.CameraId is not { } cameraId)
        {
            return null;
        }
        var camera = await cameras.GetAsync(cameraId).ConfigureAwait(false);
        if (camera is not { Enabled: true, StreamerId: { } streamerId })
        {
            return null;
        }
        var streamer = await streamers.GetAsync(streamerId).ConfigureAwait(false);
        if (streamer is null)
        {
            return null;
        }
        // Empty (a claimed camera, whose owner knows no RTSP address): the agent pulls the camera of
        // its own config, the camera_url written when it was flashed.
        string? source = camera.StreamUrl;
        if (Discovery.OnvifSource.Is(source))
        {
            // The agent links no XML: the camera is asked here, through a tunnel, for the RTSP address
            // to pull. Unresolved, the assignment is withheld and asked again at the next hello or binding.
            source = await onvif.ResolveSourceAsync(device.Id, camera.Name, source).ConfigureAwait(false);
            if (source is null)
            {
                return null;
            }
        }
        var token = PublishToken.For(secrets, device.Id, device.PublishGeneration);
        var target = $"{streamer.IngestUrl.TrimEnd('/')}/{camera.Name}";
        return new AssignCommand(camera.Name, source, target, token);
    }

    /// <summary>
    /// Sends the device its assignment through the relay that holds it; a device not online gets it
    /// with its next hello. False when the node answered with an error.
    /// </summary>
    public async Task<bool> PushAssignmentAsync(string id, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false);
        if (device is not { Connected: true } || await relays.ReachableAsync(device.RelayNode).ConfigureAwait(false) is not { } node)
        {
            return true;
        }
        var assignment = await AssignmentAsync(device).ConfigureAwait(false);
        var command = JsonSerializer.Serialize(assignment is null
            ? new NodeCommand(AssignCommand.Unassign, null, 5000)
            : new NodeCommand(AssignCommand.Assign, JsonSerializer.SerializeToElement(assignment, NodeJsonContext.Default.AssignCommand), 5000), NodeJsonContext.Default.NodeCommand);
        var (status, answer) = await relay.CommandAsync(node, id, command, ct).ConfigureAwait(false);
        if (status != StatusCodes.Status200OK)
        {
            PortalLog.RelayCommandFailed(log, node.NodeId, id, $"{status}: {Truncate(answer)}");
            return false;
        }
        return true;
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] : s;
}
