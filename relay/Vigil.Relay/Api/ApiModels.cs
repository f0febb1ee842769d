using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Relay.Api;

public sealed record SessionInfo(
    string DeviceId,
    string Fingerprint,
    string SessionId,
    string? Serial,
    string? Model,
    string? Firmware,
    string? AgentVersion,
    string? LocalAddress,
    string? RemoteAddress,
    DateTimeOffset ConnectedAt,
    long SilentMs,
    double RoundTripMs,
    int Streams,
    long BytesReceived,
    long BytesSent,
    IReadOnlyList<int> TunnelPorts,
    JsonElement? Media,
    DateTimeOffset? MediaAt);

public sealed record DrainRequest(int? RetryAfter, IReadOnlyList<string>? Nodes, double? SpreadSeconds);

public sealed record DrainResponse(int Agents, int RetryAfter);

public sealed record ErrorResponse(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(List<SessionInfo>))]
[JsonSerializable(typeof(DrainRequest))]
[JsonSerializable(typeof(DrainResponse))]
[JsonSerializable(typeof(ErrorResponse))]
public sealed partial class RelayJsonContext : JsonSerializerContext;
