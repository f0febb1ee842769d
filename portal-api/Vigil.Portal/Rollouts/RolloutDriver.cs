using Vigil.Portal.Data;
using Vigil.Portal.Relays;
using Vigil.Relay.Updates;

namespace Vigil.Portal.Rollouts;

/// <summary>
/// Drives the running rollouts, one wave at a time: stores the release on the relay that holds each
/// device of the wave, has that relay push it, and watches the outcome. A device is updated when its
/// hello after the push reports the release's version; it failed when its agent refused the release
/// (the relay says why), when it came back on another version (its init script rolled back a binary
/// that crashed or never reached a relay), or when it did not come back within the rollout's time.
/// A wave whose failures pass the rollout's share halts it; a finished wave starts the next.
/// In a cluster the portals take turns through a lease row, so that one driver pushes at a time.
/// </summary>
public sealed class RolloutDriver(PortalOptions options, RolloutStore rollouts, AgentReleaseStore releases, DeviceStore devices, RelayStore relays,
    RelayClient client, ILogger<RolloutDriver> log) : BackgroundService
{
    public const string LeaseName = "rollout-driver";
    private static readonly TimeSpan LeaseFor = TimeSpan.FromSeconds(20);
    /// <summary>Pushes interrupted by a lost link are started again (the agent resumes where it stopped) this many times.</summary>
    private const int MaxAttempts = 4;

    private readonly string _holder = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..12];
    // Which release each node was given by this driver; a node that lost it says so and is given it again.
    private readonly HashSet<(string Node, string Release)> _stored = [];

    /// <summary>Whether this instance holds the driver's lease now.</summary>
    public bool Leading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tick = TimeSpan.FromSeconds(Math.Max(0.2, options.RolloutTickSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Leading = await rollouts.LeaseAsync(LeaseName, _holder, Clock.NowMs() + (long)LeaseFor.TotalMilliseconds).ConfigureAwait(false);
                if (Leading)
                {
                    foreach (var rollout in await rollouts.RunningAsync().ConfigureAwait(false))
                    {
                        await StepAsync(rollout, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or HttpRequestException or IOException)
            {
                PortalLog.RolloutDriverFailed(log, e.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            await Task.Delay(tick, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        if (Leading)
        {
            try
            {
                await rollouts.ReleaseLeaseAsync(LeaseName, _holder).ConfigureAwait(false);
            }
            catch (System.Data.Common.DbException)
            {
                // The lease runs out by itself.
            }
        }
    }

    /// <summary>One look at a running rollout's current wave.</summary>
    internal async Task StepAsync(Rollout rollout, CancellationToken ct)
    {
        var release = await releases.GetAsync(rollout.ReleaseId).ConfigureAwait(false);
        if (release is null)
        {
            await HaltAsync(rollout, "its release was deleted").ConfigureAwait(false);
            return;
        }
        var wave = await rollouts.DevicesAsync(rollout.Id, rollout.CurrentWave).ConfigureAwait(false);
        var (progress, answered) = await ProgressAsync(wave, ct).ConfigureAwait(false);
        var now = Clock.NowMs();
        var comeBack = rollout.ComeBackSeconds * 1000L;
        foreach (var d in wave.Where(d => !RolloutDeviceStates.IsFinal(d.State)))
        {
            var before = (d.State, d.Reason, d.Sent);
            if (d.State == RolloutDeviceStates.Waiting)
            {
                await StartAsync(rollout, release, d, now, ct).ConfigureAwait(false);
            }
            else
            {
                Watch(rollout, release, d, progress.GetValueOrDefault(d.DeviceId), d.RelayNode is not null && answered.Contains(d.RelayNode), now, comeBack);
                if (d.State == RolloutDeviceStates.Waiting && d.Attempts < MaxAttempts)
                {
                    // The link was lost mid-push: start again now if the device is back, where it stopped.
                    await StartAsync(rollout, release, d, now, ct).ConfigureAwait(false);
                }
            }
            if (d.State == RolloutDeviceStates.Waiting && now - (d.StartedAt ?? rollout.WaveStartedAt ?? now) > comeBack)
            {
                Fail(d, d.Attempts == 0 ? $"not reachable through any relay during the wave ({rollout.ComeBackSeconds} s)" : $"interrupted: {d.Reason}", now);
            }
            if ((d.State, d.Reason, d.Sent) != before)
            {
                await rollouts.SaveDeviceAsync(d).ConfigureAwait(false);
                if (d.State != RolloutDeviceStates.Waiting)
                {
                    await devices.SetUpdateAsync(d.DeviceId, d.State, release.Version, d.State == RolloutDeviceStates.Failed ? d.Reason : null).ConfigureAwait(false);
                }
                if (d.State == RolloutDeviceStates.Failed)
                {
                    PortalLog.RolloutDeviceFailed(log, rollout.Id, d.DeviceId, release.Version, d.Reason ?? "");
                }
            }
        }
        var failed = wave.Where(d => d.State == RolloutDeviceStates.Failed).ToList();
        if (failed.Count * 100 > rollout.FailurePercent * wave.Count)
        {
            await HaltAsync(rollout, $"wave {rollout.CurrentWave + 1}: {failed.Count} of {wave.Count} device(s) failed, over the {rollout.FailurePercent}% allowed; first: {failed[0].DeviceId}: {failed[0].Reason}")
                .ConfigureAwait(false);
            return;
        }
        if (wave.All(d => RolloutDeviceStates.IsFinal(d.State)))
        {
            var next = (await rollouts.DevicesAsync(rollout.Id).ConfigureAwait(false)).Where(d => d.Wave > rollout.CurrentWave).Select(d => d.Wave).DefaultIfEmpty(-1).Min();
            if (next < 0)
            {
                if (await rollouts.SetStateAsync(rollout.Id, RolloutStates.Done, null, RolloutStates.Running).ConfigureAwait(false))
                {
                    PortalLog.RolloutDone(log, rollout.Id, release.Version);
                }
            }
            else
            {
                await rollouts.NextWaveAsync(rollout.Id, next).ConfigureAwait(false);
                PortalLog.RolloutWave(log, rollout.Id, next + 1, release.Version);
            }
        }
    }

    private async Task HaltAsync(Rollout rollout, string reason)
    {
        if (await rollouts.SetStateAsync(rollout.Id, RolloutStates.Halted, reason, RolloutStates.Running).ConfigureAwait(false))
        {
            PortalLog.RolloutHalted(log, rollout.Id, reason);
        }
    }

    /// <summary>The pushes of the wave's relay nodes, by device: one request per node.</summary>
    private async Task<(Dictionary<string, UpdateProgress> Progress, HashSet<string> Answered)> ProgressAsync(IReadOnlyList<RolloutDevice> wave, CancellationToken ct)
    {
        var all = new Dictionary<string, UpdateProgress>(StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var nodeId in wave.Where(d => d.State is RolloutDeviceStates.Sending or RolloutDeviceStates.Applied && d.RelayNode is not null)
                     .Select(d => d.RelayNode!).Distinct(StringComparer.Ordinal))
        {
            if (await relays.ReachableAsync(nodeId).ConfigureAwait(false) is not { } node)
            {
                continue;
            }
            try
            {
                foreach (var (device, p) in await client.UpdatesAsync(node, ct).ConfigureAwait(false))
                {
                    all[device] = p;
                }
                answered.Add(nodeId);
            }
            catch (HttpRequestException e)
            {
                PortalLog.RolloutDriverFailed(log, $"relay node {nodeId}: {e.Message}");
            }
        }
        return (all, answered);
    }

    /// <summary>Has the relay that holds the device push the release; leaves it waiting when it is away.</summary>
    private async Task StartAsync(Rollout rollout, AgentRelease release, RolloutDevice d, long now, CancellationToken ct)
    {
        if (!d.Connected || await relays.ReachableAsync(d.DeviceRelayNode).ConfigureAwait(false) is not { } node)
        {
            return;
        }
        try
        {
            if (!_stored.Contains((node.NodeId, release.Name)))
            {
                await client.PutReleaseAsync(node, release, releases, ct).ConfigureAwait(false);
                _stored.Add((node.NodeId, release.Name));
            }
            var (status, body) = await client.StartUpdateAsync(node, d.DeviceId, release.Name, rollout.Downgrade, ct).ConfigureAwait(false);
            switch (status)
            {
                case StatusCodes.Status202Accepted or StatusCodes.Status409Conflict:
                    d.State = RolloutDeviceStates.Sending;
                    d.RelayNode = node.NodeId;
                    d.Attempts++;
                    d.StartedAt = now;
                    d.Reason = null;
                    break;
                case StatusCodes.Status400BadRequest when body.Contains("PUT /v1/releases", StringComparison.Ordinal):
                    _stored.Remove((node.NodeId, release.Name)); // the node lost it (a new node, a wiped disk): stored again next time
                    break;
                case StatusCodes.Status404NotFound:
                    break; // the device left the node since its last presence report
                default:
                    d.Attempts++;
                    Fail(d, $"relay node {node.NodeId} refused the push: {(int)status} {body}", now);
                    break;
            }
        }
        catch (HttpRequestException e)
        {
            PortalLog.RolloutDriverFailed(log, $"relay node {node.NodeId}: {e.Message}");
        }
    }

    /// <summary>What the relay and the device's hello say of a push under way.</summary>
    /// <remarks><paramref name="known"/> is false when the node that pushes could not be asked: only the hello and the time count then.</remarks>
    private static void Watch(Rollout rollout, AgentRelease release, RolloutDevice d, UpdateProgress? p, bool known, long now, long comeBack)
    {
        var helloSince = d.HelloAt is { } h && d.StartedAt is { } s && h > s;
        if (helloSince && d.AgentVersion == release.Version)
        {
            d.State = RolloutDeviceStates.Updated;
            d.Sent = p?.Size ?? d.Sent;
            d.Reason = null;
            d.EndedAt = now;
            return;
        }
        var ours = p is not null && p.Release == release.Name;
        if (ours)
        {
            d.Sent = p!.Sent;
        }
        if (d.State == RolloutDeviceStates.Applied || (ours && p!.State == "applied"))
        {
            d.State = RolloutDeviceStates.Applied;
            if (helloSince && d.Connected)
            {
                Fail(d, $"rolled_back: came back on {d.AgentVersion}, not {release.Version} (the new binary did not start or did not reach a relay)", now);
            }
            else if (now - d.StartedAt > comeBack)
            {
                Fail(d, $"did not come back on {release.Version} within {rollout.ComeBackSeconds} s", now);
            }
            return;
        }
        if (!known)
        {
            if (now - d.StartedAt > comeBack)
            {
                Fail(d, $"relay node {d.RelayNode} could not be asked how the push went within {rollout.ComeBackSeconds} s", now);
            }
        }
        else if (ours && p!.State == "refused")
        {
            Fail(d, p.Error ?? "the agent refused the release", now);
        }
        else if ((ours && p!.State == "interrupted") || p is null || !ours)
        {
            // The link closed mid-push, or the node restarted and forgot it: waiting, to be started again.
            d.State = RolloutDeviceStates.Waiting;
            d.Reason = ours ? p!.Error : "the relay node no longer knows of the push";
            if (d.Attempts >= MaxAttempts)
            {
                Fail(d, $"interrupted {d.Attempts} times: {d.Reason}", now);
            }
        }
        else if (now - d.StartedAt > comeBack)
        {
            Fail(d, $"the push did not finish within {rollout.ComeBackSeconds} s ({d.Sent} of {p.Size} bytes)", now);
        }
    }

    private static void Fail(RolloutDevice d, string reason, long now)
    {
        d.State = RolloutDeviceStates.Failed;
        d.Reason = reason;
        d.EndedAt = now;
    }
}
