using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Playback;
using Vigil.Protocol.Control;
using Vigil.Protocol.Server;

namespace Vigil.Portal.Relays;

/// <summary>
/// A device's life after its first hello: approval, rejection, revocation, binding to a camera (and
/// so to a streamer), claiming by an end user, and the assignment the agent is sent. Every change
/// drops the cached hook decisions, so the streamers see it at once on this instance.
/// </summary>
public sealed class DeviceLifecycle(DeviceStore devices, CameraStore cameras, StreamerStore streamers, RelayStore relays, RelayClient relay,
    PortalSecrets secrets, PlayAuthorizer decisions, LoginThrottle throttle, Discovery.OnvifThroughAgent onvif, ILogger<DeviceLifecycle> log)
{
    /// <summary>Devices whose failover assignment their relay node did not take yet (this instance's memory).</summary>
    private readonly ConcurrentDictionary<string, byte> _undelivered = new();

    public async Task<Device> SetStateAsync(string id, string state, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw ApiException.NotFound("device");
        await devices.SetStateAsync(id, state).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, state, actor);
        if (state == DeviceStates.Approved)
        {
            if (device.CameraId is { } cameraId)
            {
                await PlaceAsync(cameraId).ConfigureAwait(false);
            }
            await PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        else if (device.State == DeviceStates.Approved || state == DeviceStates.Revoked)
        {
            await DisconnectAsync(device, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }

    /// <summary>Binds the device to a camera (not named BindAsync, which minimal APIs reserve for parameter binders).</summary>
    public async Task<Device> BindCameraAsync(string id, string? cameraName, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw ApiException.NotFound("device");
        long? cameraId = null;
        if (!string.IsNullOrEmpty(cameraName))
        {
            var camera = await cameras.GetAsync(cameraName).ConfigureAwait(false) ?? throw ApiException.BadRequest($"no camera '{cameraName}'");
            var holder = await devices.BoundToAsync(camera.Id).ConfigureAwait(false);
            if (holder is not null && holder.Id != id)
            {
                throw ApiException.Conflict($"camera '{cameraName}' is bound to device {holder.Id}");
            }
            cameraId = camera.Id;
            if (device.Serial.Length > 0 && camera.AgentSerial != device.Serial)
            {
                camera.AgentSerial = device.Serial;
                await cameras.UpdateAsync(camera).ConfigureAwait(false);
            }
            await PlaceAsync(camera.Id).ConfigureAwait(false);
        }
        await devices.SetCameraAsync(id, cameraId).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, cameraName is { Length: > 0 } ? $"bound to {cameraName}" : "unbound", actor);
        if (device.State == DeviceStates.Approved)
        {
            await PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }

    /// <summary>
    /// An end user proves possession with the sticker's serial and PIN: the device the sticker is tied
    /// to (by key, see <see cref="StickerClaim"/>) is approved, and a private camera owned by the user
    /// is made and bound to it. The first claim ties a sticker that was tied to no key to the claimed
    /// device's key, so no other key reporting the serial can be bound with it later. Attempts are
    /// throttled like logins, so a PIN cannot be guessed by brute force.
    /// </summary>
    public async Task<Camera> ClaimAsync(Caller caller, string serial, string pin, string? fingerprint, string address, CancellationToken ct)
    {
        var key = "claim:" + serial;
        var verdict = throttle.Check(key, address);
        if (verdict.RetryAfter > 0)
        {
            throw new ApiException(StatusCodes.Status429TooManyRequests, $"too many wrong PINs; try again in {verdict.RetryAfter} s");
        }
        await Task.Delay(verdict.Delay, ct).ConfigureAwait(false);
        var sticker = await devices.StickerAsync(serial).ConfigureAwait(false);
        if (sticker is null || !PasswordHasher.Verify(pin, sticker.PinHash))
        {
            throttle.Failed(key, address);
            throw ApiException.Forbidden("wrong serial or PIN");
        }
        throttle.Succeeded(key, address);
        var device = StickerClaim.Choose(sticker, await devices.WithSerialAsync(serial).ConfigureAwait(false), fingerprint);
        if (device.ClaimedBy is { } owner && owner != caller.UserId)
        {
            throw ApiException.Conflict("this camera is claimed by another account");
        }
        if (device.State is DeviceStates.Revoked or DeviceStates.Rejected)
        {
            throw ApiException.Conflict($"this camera was {device.State} by the operator");
        }
        if (sticker.Fingerprint.Length == 0 && !await devices.TieStickerAsync(serial, device.Fingerprint).ConfigureAwait(false)
            && (await devices.StickerAsync(serial).ConfigureAwait(false))?.Fingerprint != device.Fingerprint)
        {
            throw ApiException.Conflict("this camera's sticker was just tied to another key; try again");
        }
        PortalLog.StickerClaimed(log, serial, device.Id, device.Fingerprint, caller.User!.Login);
        var camera = device.CameraId is { } cid ? await cameras.GetAsync(cid).ConfigureAwait(false) : null;
        camera ??= await OwnCameraAsync(device, caller.UserId).ConfigureAwait(false);
        await devices.SetClaimedAsync(device.Id, caller.UserId).ConfigureAwait(false);
        await devices.SetCameraAsync(device.Id, camera.Id).ConfigureAwait(false);
        await PlaceAsync(camera.Id).ConfigureAwait(false);
        await SetStateAsync(device.Id, DeviceStates.Approved, caller.User!.Login, ct).ConfigureAwait(false);
        return (await cameras.GetAsync(camera.Id).ConfigureAwait(false))!;
    }

    /// <summary>
    /// An operator gives a device to a user, as if the user had claimed it: the device's camera
    /// becomes the user's (a private camera is made for a device that has none) and the device is
    /// bound to it. Its approval state is left as it is.
    /// </summary>
    public async Task<Device> BindUserAsync(string id, User user, string actor, CancellationToken ct)
    {
        var device = await devices.GetAsync(id).ConfigureAwait(false) ?? throw ApiException.NotFound("device");
        var camera = device.CameraId is { } cid ? await cameras.GetAsync(cid).ConfigureAwait(false) : null;
        if (camera is null)
        {
            camera = await OwnCameraAsync(device, user.Id).ConfigureAwait(false);
        }
        else if (camera.OwnerId != user.Id)
        {
            camera.OwnerId = user.Id;
            await cameras.UpdateAsync(camera).ConfigureAwait(false);
        }
        await devices.SetClaimedAsync(device.Id, user.Id).ConfigureAwait(false);
        await devices.SetCameraAsync(device.Id, camera.Id).ConfigureAwait(false);
        await PlaceAsync(camera.Id).ConfigureAwait(false);
        decisions.Invalidate();
        PortalLog.DeviceState(log, id, $"given to {user.Login} with camera {camera.Name}", actor);
        if (device.State == DeviceStates.Approved)
        {
            await PushAssignmentAsync(id, ct).ConfigureAwait(false);
        }
        return (await devices.GetAsync(id).ConfigureAwait(false))!;
    }

    /// <summary>A private camera owned by the user for a device that has none, named after its serial (or its id).</summary>
    private async Task<Camera> OwnCameraAsync(Device device, long userId)
    {
        var serial = device.Serial.Length > 0 ? device.Serial : device.Id;
        var name = CameraNameFor(serial);
        var camera = await cameras.CreateAsync(new Camera { Name = name, Title = $"{device.Model} {serial}".Trim(), AgentSerial = device.Serial, OwnerId = userId })
            .ConfigureAwait(false) ?? await cameras.GetAsync(name).ConfigureAwait(false) ?? throw ApiException.Conflict($"camera '{name}' exists");
        return camera.OwnerId == userId ? camera : throw ApiException.Conflict($"camera '{name}' exists and belongs to someone else");
    }

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
        if (current is not null && current.Health != "down" && Streamers.StreamerCodecs.Takes(current, codec))
        {
            return;
        }
        var pick = await streamers.PickAsync(current?.Id, fits: s => Streamers.StreamerCodecs.Takes(s, codec)).ConfigureAwait(false);
        if (pick is not null)
        {
            camera.StreamerId = pick.Id;
            await cameras.UpdateAsync(camera).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A streamer is down: each of its cameras goes to the streamer that is up with the most room
    /// (not past a streamer's capacity), and the agents of the cameras moved here are sent their
    /// new assignment at once. Safe to run on every instance at the same time: a camera moves only
    /// from where it still is, so each moves once. Cameras do not move back when the streamer
    /// returns; new cameras fill it again. Returns how many cameras this call moved.
    /// </summary>
    public async Task<int> MoveOffAsync(Streamer down, CancellationToken ct)
    {
        var ids = await cameras.OnStreamerAsync(down.Id).ConfigureAwait(false);
        var moved = new List<long>();
        for (var i = 0; i < ids.Count; i++)
        {
            // A camera whose agent said its codec (H.265) moves only where that codec can go.
            var codec = (await devices.BoundToAsync(ids[i]).ConfigureAwait(false))?.VideoCodec;
            var pick = await streamers.PickAsync(down.Id, needRoom: true, fits: s => Streamers.StreamerCodecs.Takes(s, codec)).ConfigureAwait(false);
            if (pick is null)
            {
                PortalLog.NoRoomToMove(log, down.Name, ids.Count - i);
                if (codec is null)
                {
                    break;
                }
                continue; // no room for this codec; cameras of another may still find some
            }
            if (await cameras.MoveAsync(ids[i], down.Id, pick.Id).ConfigureAwait(false))
            {
                moved.Add(ids[i]);
                PortalLog.CameraMoved(log, down.Name, (await cameras.GetAsync(ids[i]).ConfigureAwait(false))?.Name ?? ids[i].ToString(CultureInfo.InvariantCulture), pick.Name);
            }
        }
        if (moved.Count == 0)
        {
            return 0;
        }
        decisions.Invalidate();
        await Parallel.ForEachAsync(moved, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (cameraId, token) =>
        {
            if (await devices.BoundToAsync(cameraId).ConfigureAwait(false) is { } device && !await TryPushAsync(device.Id, token).ConfigureAwait(false))
            {
                _undelivered.TryAdd(device.Id, 0);
            }
        }).ConfigureAwait(false);
        return moved.Count;
    }

    /// <summary>
    /// Tries again to send the moved cameras' agents the assignments their relay node could not
    /// take (unreachable, or slow past <see cref="PushTimeout"/>); called on every probe round, so a
    /// node that comes back gets them within a round. The same assignment arriving twice (here and
    /// with a new session's hello) changes nothing at the agent.
    /// </summary>
    public async Task RetryUndeliveredAsync(CancellationToken ct)
    {
        foreach (var id in _undelivered.Keys)
        {
            if (await TryPushAsync(id, ct).ConfigureAwait(false))
            {
                _undelivered.TryRemove(id, out _);
            }
        }
    }

    /// <summary>How long one push of a failover may take: a hung relay node must not hold up the probes.</summary>
    public static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);

    private async Task<bool> TryPushAsync(string id, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(PushTimeout);
        try
        {
            return await PushAssignmentAsync(id, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            PortalLog.RelayCommandFailed(log, (await devices.GetAsync(id).ConfigureAwait(false))?.RelayNode ?? "", id, e.Message);
            return false;
        }
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

    /// <summary>"cam-" and the serial, lowercased, with anything a camera name may not hold turned into '-'.</summary>
    public static string CameraNameFor(string serial)
    {
        var sb = new StringBuilder("cam-");
        foreach (var ch in serial.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-');
        }
        return sb.Length > 64 ? sb.ToString(0, 64) : sb.ToString();
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] : s;
}
