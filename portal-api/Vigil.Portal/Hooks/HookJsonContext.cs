using System.Text.Json.Serialization;

namespace Vigil.Portal.Hooks;

/// <summary>Flussonic's publish authorization (on_publish): a JSON POST; only the fields the decision reads.</summary>
public sealed record FlussonicPublishRequest(string? Name, string? Proto, string? Ip, string? Token, string? Qs);

/// <summary>MediaMTX's authHTTPAddress request, field for field.</summary>
public sealed record MediaMtxAuthRequest(string? User, string? Password, string? Token, string? Ip, string? Action, string? Path,
    string? Protocol, string? Id, string? Query);

/// <summary>
/// The bodies streamers send. Unlike the API's own bodies, fields the portal does not know are skipped,
/// not refused: a streamer's next version adds fields, and that must not lock every camera out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(FlussonicPublishRequest))]
[JsonSerializable(typeof(MediaMtxAuthRequest))]
internal sealed partial class HookJsonContext : JsonSerializerContext;
