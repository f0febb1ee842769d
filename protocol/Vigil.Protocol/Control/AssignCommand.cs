using System.Buffers;
using System.Text.Json;

namespace Vigil.Protocol.Control;

/// <summary>
/// The args of the "assign" command, written by the portal and read by the agent:
/// {"name":..., "source":..., "target":..., "token":...}: the camera's name on the streamer, the RTSP
/// address the agent pulls (null or empty: the camera of the agent's own config), the ingest URL it
/// publishes to and the publish token the streamer's hook checks. Read and written with
/// Utf8JsonReader and Utf8JsonWriter only (the agent links this); unknown fields are skipped, so the
/// portal can add one without a new agent.
/// </summary>
public sealed class AssignCommand(string? name, string? source, string? target, string? token)
{
    /// <summary>The command that carries these args; "unassign" (no args) stops the media.</summary>
    public const string Assign = "assign";
    public const string Unassign = "unassign";

    public string? Name { get; } = name;
    public string? Source { get; } = source;
    public string? Target { get; } = target;
    public string? Token { get; } = token;

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteTo(w);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the object, every field present (null where unset).</summary>
    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name"u8, Name);
        w.WriteString("source"u8, Source);
        w.WriteString("target"u8, Target);
        w.WriteString("token"u8, Token);
        w.WriteEndObject();
    }

    /// <summary>Parses the args; null with <paramref name="error"/> when they are not an assign object.</summary>
    public static AssignCommand? Parse(ReadOnlySpan<byte> json, out string error)
    {
        try
        {
            var r = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (r.Read() && r.TokenType == JsonTokenType.StartObject)
            {
                error = "";
                return Read(ref r);
            }
            error = "assign takes an object: {\"source\": ..., \"target\": ..., \"name\": ..., \"token\": ...}";
            return null;
        }
        catch (JsonException e)
        {
            error = $"assign: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// Reads the object whose StartObject the reader is on, up to its EndObject. A field that is not a
    /// string counts as absent; an unknown one is skipped.
    /// </summary>
    public static AssignCommand Read(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("assign takes an object");
        }
        string? name = null, source = null, target = null, token = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = r.GetString();
            r.Read();
            if (r.TokenType != JsonTokenType.String)
            {
                r.Skip();
                continue;
            }
            var value = r.GetString();
            switch (key)
            {
                case "source": source = value; break;
                case "target": target = value; break;
                case "name": name = value; break;
                case "token": token = value; break;
            }
        }
        return new AssignCommand(name, source, target, token);
    }
}
