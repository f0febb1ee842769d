using System.Text.Json.Serialization;

namespace Vigil.Relay.Updates;

public sealed record UpdateRequest(string? Release, bool? Force);

public sealed record StoredRelease(string Name, string Version, string Rid, long Size);

/// <summary>One device's update as this node pushes it: what the portal polls.</summary>
public sealed record UpdateProgress(string DeviceId, string Release, string Version, string State, long Size, long Sent, long ResumedFrom, string? Error, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UpdateRequest))]
[JsonSerializable(typeof(StoredRelease))]
[JsonSerializable(typeof(UpdateProgress))]
[JsonSerializable(typeof(List<UpdateProgress>))]
public sealed partial class UpdateJsonContext : JsonSerializerContext;
