using System.Globalization;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Protocol.Releases;

namespace Vigil.Portal.Rollouts;

/// <summary>What an operator asks for: a release, a target, waves, the failure share that halts it.</summary>
/// <param name="Target">all, device, group or percent.</param>
/// <param name="Waves">Wave sizes: a count ("1"), a share of the devices to update ("10%"), or "rest"; the last wave takes what is left.</param>
public sealed record RolloutInput(long? ReleaseId, string? Target, string? Device, string? Group, int? Percent, IReadOnlyList<string>? Waves,
    int? FailurePercent, bool? Downgrade, int? ComeBackSeconds);

/// <summary>
/// Turns a request into a rollout: the approved devices of the release's RID that the target names,
/// the ones that need nothing (on the version already, newer without a forced downgrade, in another
/// rollout) left out with their reason, the rest cut into waves.
/// </summary>
public sealed class RolloutPlan(Database db, RolloutStore rollouts)
{
    public static readonly IReadOnlyList<string> DefaultWaves = ["1", "10%", "50%", "rest"];
    public const int DefaultFailurePercent = 20;
    public const int DefaultComeBackSeconds = 600;
    private const int MaxWaves = 20;

    private sealed record Candidate(string Id, string AgentVersion, string Rid, string State);

    public async Task<(Rollout Rollout, List<RolloutDevice> Devices)> PlanAsync(RolloutInput input, AgentRelease release, string createdBy)
    {
        var waves = input.Waves is { Count: > 0 } w ? w : DefaultWaves;
        Check.Throw(
            waves.Count > MaxWaves ? $"at most {MaxWaves} waves" : null,
            waves.FirstOrDefault(s => ParseWave(s) is null) is { } bad ? $"wave size '{bad}' is not a count, a percentage (10%) or 'rest'" : null,
            input.FailurePercent is < 0 or > 100 ? "failure_percent must be 0 to 100" : null,
            input.ComeBackSeconds is < 10 or > 86_400 ? "come_back_seconds must be 10 to 86,400" : null,
            input.Percent is not null && input.Target != "percent" ? "percent goes with target 'percent'" : null);
        var target = input.Target ?? "all";
        var candidates = target switch
        {
            "all" => await db.QueryAsync<Candidate>("SELECT id, agent_version, rid, state FROM devices WHERE state = 'approved' ORDER BY id").ConfigureAwait(false),
            "device" => input.Device is { Length: > 0 and <= 64 } id
                ? await db.QueryAsync<Candidate>("SELECT id, agent_version, rid, state FROM devices WHERE id = @id", new { id }).ConfigureAwait(false)
                : throw ApiException.BadRequest("target 'device' needs device (its id)"),
            "group" => input.Group is { Length: > 0 and <= 100 } group
                ? await db.QueryAsync<Candidate>("""
                    SELECT d.id, d.agent_version, d.rid, d.state FROM devices d JOIN cameras c ON c.id = d.camera_id JOIN groups g ON g.id = c.group_id
                    WHERE g.name = @group AND d.state = 'approved' ORDER BY d.id
                    """, new { group }).ConfigureAwait(false)
                : throw ApiException.BadRequest("target 'group' needs group (a camera group's name)"),
            "percent" => input.Percent is > 0 and <= 100
                ? await db.QueryAsync<Candidate>("SELECT id, agent_version, rid, state FROM devices WHERE state = 'approved' ORDER BY id").ConfigureAwait(false)
                : throw ApiException.BadRequest("target 'percent' needs percent, 1 to 100"),
            _ => throw ApiException.BadRequest("target must be all, device, group or percent"),
        };
        if (target == "device")
        {
            var one = candidates.FirstOrDefault() ?? throw ApiException.NotFound("device");
            if (one.State != DeviceStates.Approved)
            {
                throw ApiException.Conflict($"the device is {one.State}, not approved");
            }
            if (one.Rid != release.Rid)
            {
                throw ApiException.Conflict($"the device's agent is {(one.Rid.Length == 0 ? "of an unknown RID" : one.Rid)}, the release is for {release.Rid}");
            }
        }
        // Only agents that say they run the release's RID: an agent of another refuses it anyway, and
        // each refusal would count against the wave.
        var matching = candidates.Where(c => c.Rid == release.Rid).ToList();
        if (target == "percent")
        {
            var take = (int)Math.Ceiling(matching.Count * input.Percent!.Value / 100.0);
            matching = [.. matching.OrderBy(_ => Random.Shared.Next()).Take(take)];
        }
        var busy = (await rollouts.BusyDevicesAsync().ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var downgrade = input.Downgrade ?? false;
        var now = Clock.NowMs();
        var devices = new List<RolloutDevice>();
        var toUpdate = new List<RolloutDevice>();
        foreach (var c in matching)
        {
            var d = new RolloutDevice { DeviceId = c.Id, FromVersion = c.AgentVersion, Wave = -1 };
            d.Reason = busy.Contains(c.Id) ? "another rollout in progress updates this device"
                : !ReleaseVersion.TryParse(c.AgentVersion, out _) ? null
                : ReleaseVersion.Compare(c.AgentVersion, release.Version) == 0 ? $"runs {release.Version} already"
                : ReleaseVersion.Compare(c.AgentVersion, release.Version) > 0 && !downgrade ? $"not_newer: runs {c.AgentVersion}, newer than {release.Version}; a downgrade must be forced"
                : null;
            if (d.Reason is null)
            {
                toUpdate.Add(d);
            }
            else
            {
                d.State = RolloutDeviceStates.Skipped;
                d.EndedAt = now;
            }
            devices.Add(d);
        }
        if (toUpdate.Count == 0)
        {
            var why = devices.Count == 0 ? $"no approved device of {release.Rid} in the target"
                : string.Join("; ", devices.Select(d => d.Reason).Distinct().Take(3));
            throw ApiException.Conflict($"nothing to roll out: {why}");
        }
        AssignWaves(toUpdate, waves);
        var rollout = new Rollout
        {
            ReleaseId = release.Id,
            Target = target switch
            {
                "device" => $"device:{input.Device}",
                "group" => $"group:{input.Group}",
                "percent" => $"percent:{input.Percent}",
                _ => "all",
            },
            Waves = string.Join(",", waves),
            FailurePercent = input.FailurePercent ?? DefaultFailurePercent,
            Downgrade = downgrade,
            ComeBackSeconds = input.ComeBackSeconds ?? DefaultComeBackSeconds,
            State = RolloutStates.Running,
            CreatedBy = createdBy,
            CreatedAt = now,
        };
        return (rollout, devices);
    }

    /// <summary>Cuts the devices into waves in order; empty waves are dropped, and a last wave takes what the sizes left.</summary>
    internal static void AssignWaves(IReadOnlyList<RolloutDevice> devices, IReadOnlyList<string> sizes)
    {
        var at = 0;
        var wave = 0;
        foreach (var size in sizes)
        {
            if (at >= devices.Count)
            {
                break;
            }
            var parsed = ParseWave(size)!.Value;
            var count = parsed.IsRest ? devices.Count - at
                : parsed.Percent ? Math.Max(1, (int)Math.Ceiling(devices.Count * parsed.Value / 100.0))
                : parsed.Value;
            count = Math.Min(count, devices.Count - at);
            for (var i = 0; i < count; i++)
            {
                devices[at++].Wave = wave;
            }
            wave++;
        }
        while (at < devices.Count)
        {
            devices[at++].Wave = wave;
        }
    }

    private static (bool IsRest, bool Percent, int Value)? ParseWave(string? text)
    {
        if (text is "rest")
        {
            return (true, false, 0);
        }
        if (text is null || text.Length is 0 or > 8)
        {
            return null;
        }
        var percent = text.EndsWith('%');
        return int.TryParse(percent ? text[..^1] : text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && (!percent || n <= 100)
            ? (false, percent, n)
            : null;
    }
}
