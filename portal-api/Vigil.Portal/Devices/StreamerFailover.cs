using System.Collections.Concurrent;
using System.Globalization;
using Vigil.Portal.Data;
using Vigil.Portal.Hooks;
using Vigil.Portal.Streamers;

namespace Vigil.Portal.Devices;

/// <summary>
/// Moves the cameras of a streamer that is down to streamers that are up and sends their agents the
/// new assignment, trying again on later rounds where a relay node could not take it.
/// </summary>
public sealed class StreamerFailover(DeviceStore devices, CameraStore cameras, StreamerStore streamers, DeviceAssignments assignments,
    PlayAuthorizer decisions, ILogger<StreamerFailover> log)
{
    /// <summary>How long one push of a failover may take: a hung relay node must not hold up the probes.</summary>
    public static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Devices whose failover assignment their relay node did not take yet (this instance's memory).</summary>
    private readonly ConcurrentDictionary<string, byte> _undelivered = new();

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
            var pick = await streamers.PickAsync(down.Id, needRoom: true, fits: s => StreamerCodecs.Takes(s, codec)).ConfigureAwait(false);
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

    private async Task<bool> TryPushAsync(string id, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(PushTimeout);
        try
        {
            return await assignments.PushAssignmentAsync(id, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            PortalLog.RelayCommandFailed(log, (await devices.GetAsync(id).ConfigureAwait(false))?.RelayNode ?? "", id, e.Message);
            return false;
        }
    }
}
