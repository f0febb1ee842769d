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

public sealed record CommandRequest(string? Name, JsonElement? Args, int? TimeoutMs);

public sealed record CommandResponse(bool Ok, string? Error, JsonElement? Result, double RoundTripMs);

public sealed record DrainRequest(int? RetryAfter, IReadOnlyList<string>? Nodes, double? SpreadSeconds);

public sealed record DrainResponse(int Agents, int RetryAfter);

public sealed record ErrorResponse(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(List<SessionInfo>))]
[JsonSerializable(typeof(CommandRequest))]
[JsonSerializable(typeof(CommandResponse))]
[JsonSerializable(typeof(DrainRequest))]
[JsonSerializable(typeof(DrainResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(Portal.PortalHello))]
[JsonSerializable(typeof(Portal.PortalHelloAnswer))]
[JsonSerializable(typeof(Portal.PortalPresence))]
[JsonSerializable(typeof(Portal.PortalMediaRefused))]
public sealed partial class RelayJsonContext : JsonSerializerContext;
