using System.Text.Json.Serialization;

namespace Vigil.Portal.Data;

/// <summary>A signed agent release the portal holds: one binary for one RID and version.</summary>
public sealed class AgentRelease
{
    public long Id { get; set; }
    /// <summary>The file name relays store it under: vigil-agent-VERSION-RID.release.</summary>
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public string Rid { get; set; } = "";
    /// <summary>The signed file's length (header and binary).</summary>
    public long Size { get; set; }
    /// <summary>The binary's SHA-256 as the signed manifest names it (hex).</summary>
    public string Sha256 { get; set; } = "";
    public string UploadedBy { get; set; } = "";
    public long CreatedAt { get; set; }
}

public static class RolloutStates
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Halted = "halted";
    public const string Cancelled = "cancelled";
    public const string Done = "done";
}

/// <summary>What happens to one device in a rollout.</summary>
public static class RolloutDeviceStates
{
    /// <summary>In a wave not started yet, or started while the device was away.</summary>
    public const string Waiting = "waiting";
    /// <summary>Its relay pushes the release.</summary>
    public const string Sending = "sending";
    /// <summary>The agent took the release and restarts into it; the portal waits for its hello.</summary>
    public const string Applied = "applied";
    /// <summary>Its hello reports the release's version.</summary>
    public const string Updated = "updated";
    public const string Failed = "failed";
    /// <summary>Left out: on the version already, newer without a forced downgrade, in another rollout, cancelled.</summary>
    public const string Skipped = "skipped";

    public static bool IsFinal(string state) => state is Updated or Failed or Skipped;
}

public sealed class Rollout
{
    public long Id { get; set; }
    [JsonIgnore]
    public long ReleaseId { get; set; }
    public string Release { get; set; } = "";
    public string Version { get; set; } = "";
    public string Rid { get; set; } = "";
    /// <summary>all, device:ID, group:NAME or percent:N.</summary>
    public string Target { get; set; } = "";
    /// <summary>The wave sizes as asked, comma-separated (1,10%,50%,rest).</summary>
    public string Waves { get; set; } = "";
    public int FailurePercent { get; set; }
    public bool Downgrade { get; set; }
    public int ComeBackSeconds { get; set; }
    public string State { get; set; } = RolloutStates.Running;
    public string? Reason { get; set; }
    /// <summary>The wave being rolled out (0-based).</summary>
    public int CurrentWave { get; set; }
    public long? WaveStartedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

public sealed class RolloutDevice
{
    [JsonIgnore]
    public long RolloutId { get; set; }
    public string DeviceId { get; set; } = "";
    public string Serial { get; set; } = "";
    public string? Camera { get; set; }
    public int Wave { get; set; }
    public string State { get; set; } = RolloutDeviceStates.Waiting;
    public string? Reason { get; set; }
    public string FromVersion { get; set; } = "";
    /// <summary>What the device reports now.</summary>
    public string AgentVersion { get; set; } = "";
    public string? RelayNode { get; set; }
    public int Attempts { get; set; }
    public long Sent { get; set; }
    public long? StartedAt { get; set; }
    public long? EndedAt { get; set; }
    [JsonIgnore]
    public bool Connected { get; set; }
    [JsonIgnore]
    public string? DeviceRelayNode { get; set; }
    [JsonIgnore]
    public long? HelloAt { get; set; }
}

/// <summary>One wave's counts.</summary>
public sealed record RolloutWave(int Wave, int Devices, int Waiting, int InProgress, int Updated, int Failed, int Skipped);

/// <summary>A rollout with its waves and devices, as the API shows it.</summary>
public sealed record RolloutView(Rollout Rollout, IReadOnlyList<RolloutWave> WaveProgress, IReadOnlyList<RolloutDevice> Devices);
