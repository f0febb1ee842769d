using System.Text.Json.Serialization;

namespace Vigil.Live;

/// <summary>Janus's offer for a new viewer, and where its session lives (also the Location header).</summary>
public sealed record OfferAnswer(string Session, string Location, string Type, string Sdp);

public sealed record ErrorAnswer(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OfferAnswer))]
[JsonSerializable(typeof(ErrorAnswer))]
[JsonSerializable(typeof(LiveStats))]
internal sealed partial class LiveJsonContext : JsonSerializerContext;
