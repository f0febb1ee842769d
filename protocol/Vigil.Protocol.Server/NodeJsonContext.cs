using System.Text.Json.Serialization;

namespace Vigil.Protocol.Server;

/// <summary>
/// The one serialization of the relay-portal messages, used by both ends: snake_case and nulls left
/// out. A field the reader does not know is skipped, as on the link's stream 0: relay nodes and
/// portals are upgraded one at a time, and a newer end may add a field the older one has not heard of.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(AssignCommandJsonConverter)])]
[JsonSerializable(typeof(NodeHello))]
[JsonSerializable(typeof(NodeHelloAnswer))]
[JsonSerializable(typeof(NodePresence))]
[JsonSerializable(typeof(NodePresenceAnswer))]
[JsonSerializable(typeof(NodeMediaRefused))]
[JsonSerializable(typeof(NodeCommand))]
[JsonSerializable(typeof(NodeCommandAnswer))]
[JsonSerializable(typeof(Control.AssignCommand))]
public sealed partial class NodeJsonContext : JsonSerializerContext;
