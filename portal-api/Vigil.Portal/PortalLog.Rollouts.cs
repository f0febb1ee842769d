using Microsoft.Extensions.Logging;

namespace Vigil.Portal;

/// <summary>The log lines of agent releases and their rollouts.</summary>
internal static partial class PortalLog
{
    [LoggerMessage(2100, LogLevel.Information, "agent release {Version} for {Rid} stored ({Size} bytes, sha256 {Sha256}) by {Login}")]
    public static partial void ReleaseStored(ILogger log, string version, string rid, long size, string sha256, string login);

    [LoggerMessage(2101, LogLevel.Warning, "an agent release upload by {Login} was refused: {Reason}")]
    public static partial void ReleaseRefused(ILogger log, string login, string reason);

    [LoggerMessage(2102, LogLevel.Information, "rollout {Rollout} of {Version} to {Target}: {Devices} device(s) in {Waves} wave(s), by {Login}")]
    public static partial void RolloutCreated(ILogger log, long rollout, string version, string target, int devices, int waves, string login);

    [LoggerMessage(2103, LogLevel.Information, "rollout {Rollout} of {Version}: wave {Wave} started")]
    public static partial void RolloutWave(ILogger log, long rollout, int wave, string version);

    [LoggerMessage(2104, LogLevel.Warning, "rollout {Rollout} halted: {Reason}")]
    public static partial void RolloutHalted(ILogger log, long rollout, string reason);

    [LoggerMessage(2105, LogLevel.Information, "rollout {Rollout} of {Version} done")]
    public static partial void RolloutDone(ILogger log, long rollout, string version);

    [LoggerMessage(2106, LogLevel.Warning, "rollout {Rollout}: device {DeviceId} failed to update to {Version}: {Reason}")]
    public static partial void RolloutDeviceFailed(ILogger log, long rollout, string deviceId, string version, string reason);

    [LoggerMessage(2107, LogLevel.Warning, "the rollout driver: {Reason}")]
    public static partial void RolloutDriverFailed(ILogger log, string reason);

    [LoggerMessage(2108, LogLevel.Information, "rollout {Rollout} {Action} by {Login}")]
    public static partial void RolloutChanged(ILogger log, long rollout, string action, string login);
}
