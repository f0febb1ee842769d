using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Protocol.Control;

namespace Vigil.Protocol.Server;

/// <summary>
/// Serializes <see cref="AssignCommand"/> through its own reader and writer, so that the bytes the
/// portal writes are the ones the agent's parser reads: the field names exist in one place.
/// </summary>
public sealed class AssignCommandJsonConverter : JsonConverter<AssignCommand>
{
    public override AssignCommand Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => AssignCommand.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, AssignCommand value, JsonSerializerOptions options) => value.WriteTo(writer);
}
