using System.Text.Json.Serialization;

namespace Vigil.Portal.Data;

public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string User = "user";

    public static bool IsValid(string? role) => role is Admin or Operator or User;
}

public sealed class User
{
    public long Id { get; set; }
    public string Login { get; set; } = "";
    public string Email { get; set; } = "";
    [JsonIgnore]
    public string? PasswordHash { get; set; }
    public string Role { get; set; } = Roles.User;
    public bool IsActive { get; set; } = true;
    public string Note { get; set; } = "";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

public sealed class Group
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Title { get; set; } = "";
}

public sealed class GroupMember
{
    public long GroupId { get; set; }
    public long UserId { get; set; }
    public string Login { get; set; } = "";
    public bool CanDvr { get; set; }
    public bool CanPtz { get; set; }
    public bool CanManage { get; set; }
}

public static class CameraAccessLevels
{
    public const string Private = "private";
    public const string Authorized = "authorized";
    public const string Public = "public";

    public static bool IsValid(string? access) => access is Private or Authorized or Public;
}

public sealed class Camera
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Title { get; set; } = "";
    /// <summary>
    /// Where the bound agent pulls the camera from, often with the camera's login in it. Answered
    /// only to staff (see <see cref="ShowSource"/>): a viewer, or a user who manages the camera,
    /// gets a camera without stream_url and substream_url.
    /// </summary>
    [JsonIgnore]
    public string StreamUrl { get; set; } = "";
    [JsonIgnore]
    public string SubstreamUrl { get; set; } = "";

    /// <summary>Whether an API answer holds the source addresses: off unless the answer is for staff.</summary>
    [JsonIgnore]
    public bool SourceShown { get; private set; }

    [JsonPropertyName("stream_url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StreamUrlAnswered { get => SourceShown ? StreamUrl : null; set => StreamUrl = value ?? ""; }

    [JsonPropertyName("substream_url"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SubstreamUrlAnswered { get => SourceShown ? SubstreamUrl : null; set => SubstreamUrl = value ?? ""; }

    /// <summary>Puts the source addresses into this camera's API answer: for staff, who set them.</summary>
    public Camera ShowSource(bool staff)
    {
        SourceShown = staff;
        return this;
    }
    /// <summary>Archive depth in days, as Watcher counts it.</summary>
    public int DvrDepth { get; set; }
    public bool Enabled { get; set; } = true;
    public string Access { get; set; } = CameraAccessLevels.Private;
    [JsonIgnore]
    public long? GroupId { get; set; }
    /// <summary>The group's name (the API speaks names, the database ids).</summary>
    public string? Group { get; set; }
    [JsonIgnore]
    public long? OwnerId { get; set; }
    public string? Owner { get; set; }
    public string AgentSerial { get; set; } = "";
    public string Coordinates { get; set; } = "";
    public string PostalAddress { get; set; } = "";
    public string Comment { get; set; } = "";
    [JsonIgnore]
    public long? StreamerId { get; set; }
    public string? Streamer { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

public static class DeviceStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Revoked = "revoked";
}

public sealed class Device
{
    public string Id { get; set; } = "";
    public string PublicKey { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public string Serial { get; set; } = "";
    public string Model { get; set; } = "";
    public string Firmware { get; set; } = "";
    public string AgentVersion { get; set; } = "";
    public string State { get; set; } = DeviceStates.Pending;
    [JsonIgnore]
    public long? CameraId { get; set; }
    public string? Camera { get; set; }
    public long FirstSeen { get; set; }
    public long LastSeen { get; set; }
    public string Address { get; set; } = "";
    public string? RelayNode { get; set; }
    public bool Connected { get; set; }
    [JsonIgnore]
    public int PublishGeneration { get; set; }
    [JsonIgnore]
    public long? ClaimedBy { get; set; }
    /// <summary>
    /// Set when the serial this device reports is not its to claim (the sticker is tied to another
    /// key, or another key reported the serial first): a copied serial, or a replaced camera.
    /// </summary>
    public string? SerialWarning { get; set; }

    /// <summary>The camera's video codec, as its agent said when it refused an assignment ("h265"); null until then.</summary>
    public string? VideoCodec { get; set; }

    /// <summary>Why the agent refused its assignment, and what the portal did about it; null when it did not.</summary>
    public string? MediaError { get; set; }

    /// <summary>The runtime identifier the agent was built for, as its hello says ("" from agents that do not say): the releases it can run.</summary>
    public string Rid { get; set; } = "";

    /// <summary>The outcome of the device's last update: sending, applied, updated, failed; null before any.</summary>
    public string? UpdateState { get; set; }

    /// <summary>The release version that update was to.</summary>
    public string? UpdateVersion { get; set; }

    /// <summary>Why the last update failed (the agent's refusal, a rollback, no return in time); null otherwise.</summary>
    public string? UpdateReason { get; set; }

    public long? UpdateAt { get; set; }
}

/// <summary>A camera's sticker: its serial, the PIN's slow hash, and the key fingerprint it is tied to ("" while tied to none).</summary>
public sealed class Sticker
{
    public string Serial { get; set; } = "";
    public string PinHash { get; set; } = "";
    public string Fingerprint { get; set; } = "";
}

public static class StreamerKinds
{
    public static bool IsValid(string? kind) => kind is "flussonic" or "mediamtx" or "nginx-rtmp" or "generic";
}

public sealed class Streamer
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Kind { get; set; } = "generic";
    public string ApiUrl { get; set; } = "";
    public string PublicUrl { get; set; } = "";
    public string IngestUrl { get; set; } = "";
    public int Capacity { get; set; }
    public string Health { get; set; } = "unknown";
    public long? HealthAt { get; set; }
    [JsonIgnore]
    public string HookKeyHash { get; set; } = "";
    /// <summary>Cameras placed on it (filled by queries that count them).</summary>
    public int Cameras { get; set; }
}

public sealed class RelayRecord
{
    public string NodeId { get; set; } = "";
    public string Endpoints { get; set; } = "";
    public string PublicKey { get; set; } = "";
    public string ApiUrl { get; set; } = "";
    [JsonIgnore]
    public string ApiToken { get; set; } = "";
    [JsonIgnore]
    public string PortalTokenHash { get; set; } = "";
    public long? LastHeartbeat { get; set; }
    public int Sessions { get; set; }
}
