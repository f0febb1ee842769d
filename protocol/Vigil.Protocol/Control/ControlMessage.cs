using System.Buffers;
using System.Text.Json;

namespace Vigil.Protocol.Control;

/// <summary>
/// A control message on stream 0: one compact JSON object whose "t" names its kind. Read and written
/// with Utf8JsonReader and Utf8JsonWriter only (no serializer: the agent links this). Unknown fields
/// are ignored so that either side can add fields without a new link version.
/// </summary>
public sealed class ControlMessage
{
    public const string Hello = "hello";
    public const string HelloOk = "hello_ok";
    public const string Command = "cmd";
    public const string Result = "result";
    public const string GoAway = "goaway";

    /// <summary>The agent's media stats, every stats interval (the body, under "stats").</summary>
    public const string Stats = "stats";

    /// <summary>
    /// The agent refuses its assignment for good, once per session: its camera's video codec (under
    /// "name", as the SDP names it: "H265") does not go into the target's ingest; "reason" says so in words.
    /// </summary>
    public const string MediaRefused = "media_refused";

    private const int MaxStrings = 64;

    public string Type { get; set; } = "";

    /// <summary>Correlates a command with its result.</summary>
    public long Id { get; set; }

    // hello: who the device says it is. Its identity is its Noise static key; these are claims.
    public string? Serial { get; set; }
    public string? Model { get; set; }
    public string? Firmware { get; set; }
    public string? AgentVersion { get; set; }
    /// <summary>The runtime identifier the agent was built for (linux-arm64...): which releases it can run.</summary>
    public string? Rid { get; set; }
    public string? LocalAddress { get; set; }
    public string? Camera { get; set; }
    public string? EnrollToken { get; set; }
    public IReadOnlyList<int> TunnelPorts { get; set; } = [];

    // hello_ok
    public string? Node { get; set; }
    public string? SessionId { get; set; }
    public int HeartbeatIntervalMs { get; set; }
    public int HeartbeatTimeoutMs { get; set; }
    public string? State { get; set; }

    // cmd and result
    public string? Name { get; set; }

    /// <summary>A command's arguments, a result's value or the stats, as raw JSON (an object, array or scalar).</summary>
    public byte[]? Body { get; set; }
    public bool Ok { get; set; }
    public string? Error { get; set; }

    // goaway
    public int RetryAfterSeconds { get; set; }
    public IReadOnlyList<string> Nodes { get; set; } = [];
    public string? Reason { get; set; }

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteString("t"u8, Type);
        if (Id != 0)
        {
            w.WriteNumber("id"u8, Id);
        }
        WriteOptional(w, "serial"u8, Serial);
        WriteOptional(w, "model"u8, Model);
        WriteOptional(w, "firmware"u8, Firmware);
        WriteOptional(w, "agent_version"u8, AgentVersion);
        WriteOptional(w, "rid"u8, Rid);
        WriteOptional(w, "local_address"u8, LocalAddress);
        WriteOptional(w, "camera"u8, Camera);
        WriteOptional(w, "enroll_token"u8, EnrollToken);
        if (TunnelPorts.Count > 0)
        {
            w.WriteStartArray("tunnel_ports"u8);
            foreach (var p in TunnelPorts)
            {
                w.WriteNumberValue(p);
            }
            w.WriteEndArray();
        }
        WriteOptional(w, "node"u8, Node);
        WriteOptional(w, "session_id"u8, SessionId);
        if (HeartbeatIntervalMs != 0)
        {
            w.WriteNumber("heartbeat_interval_ms"u8, HeartbeatIntervalMs);
        }
        if (HeartbeatTimeoutMs != 0)
        {
            w.WriteNumber("heartbeat_timeout_ms"u8, HeartbeatTimeoutMs);
        }
        WriteOptional(w, "state"u8, State);
        WriteOptional(w, "name"u8, Name);
        if (Type == Result)
        {
            w.WriteBoolean("ok"u8, Ok);
        }
        WriteOptional(w, "error"u8, Error);
        if (Body is not null)
        {
            w.WritePropertyName(Type == Result ? "result"u8 : Type == Stats ? "stats"u8 : "args"u8);
            w.WriteRawValue(Body, skipInputValidation: false);
        }
        if (RetryAfterSeconds != 0)
        {
            w.WriteNumber("retry_after"u8, RetryAfterSeconds);
        }
        if (Nodes.Count > 0)
        {
            w.WriteStartArray("nodes"u8);
            foreach (var n in Nodes)
            {
                w.WriteStringValue(n);
            }
            w.WriteEndArray();
        }
        WriteOptional(w, "reason"u8, Reason);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>Parses one control message; throws <see cref="ControlFormatException"/> on anything malformed.</summary>
    public static ControlMessage Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > Mux.MuxFrame.MaxControlLength)
        {
            throw new ControlFormatException($"a control message is at most {Mux.MuxFrame.MaxControlLength} bytes");
        }
        try
        {
            return ParseCore(json);
        }
        catch (JsonException e)
        {
            throw new ControlFormatException($"malformed control message: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw new ControlFormatException($"malformed control message: {e.Message}");
        }
        catch (FormatException e)
        {
            // GetInt32/GetInt64 on a fraction or a number out of range.
            throw new ControlFormatException($"malformed control message: {e.Message}");
        }
    }

    private static ControlMessage ParseCore(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            throw new ControlFormatException("a control message is a JSON object");
        }
        var m = new ControlMessage();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = r.GetString() ?? "";
            r.Read();
            switch (name)
            {
                case "t": m.Type = String(ref r) ?? ""; break;
                case "id": m.Id = r.GetInt64(); break;
                case "serial": m.Serial = String(ref r); break;
                case "model": m.Model = String(ref r); break;
                case "firmware": m.Firmware = String(ref r); break;
                case "agent_version": m.AgentVersion = String(ref r); break;
                case "rid": m.Rid = String(ref r); break;
                case "local_address": m.LocalAddress = String(ref r); break;
                case "camera": m.Camera = String(ref r); break;
                case "enroll_token": m.EnrollToken = String(ref r); break;
                case "tunnel_ports": m.TunnelPorts = Ports(ref r); break;
                case "node": m.Node = String(ref r); break;
                case "session_id": m.SessionId = String(ref r); break;
                case "heartbeat_interval_ms": m.HeartbeatIntervalMs = r.GetInt32(); break;
                case "heartbeat_timeout_ms": m.HeartbeatTimeoutMs = r.GetInt32(); break;
                case "state": m.State = String(ref r); break;
                case "name": m.Name = String(ref r); break;
                case "ok": m.Ok = r.GetBoolean(); break;
                case "error": m.Error = String(ref r); break;
                case "args" or "result" or "stats": m.Body = Raw(ref r, json); break;
                case "retry_after": m.RetryAfterSeconds = r.GetInt32(); break;
                case "nodes": m.Nodes = Strings(ref r); break;
                case "reason": m.Reason = String(ref r); break;
                default: r.Skip(); break;
            }
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read())
        {
            throw new ControlFormatException("trailing data after the control message");
        }
        if (m.Type.Length == 0)
        {
            throw new ControlFormatException("control message without a type");
        }
        return m;
    }

    private static string? String(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : r.GetString();

    private static byte[] Raw(ref Utf8JsonReader r, ReadOnlySpan<byte> json)
    {
        var start = (int)r.TokenStartIndex;
        r.Skip();
        var end = (int)r.BytesConsumed;
        return json[start..end].ToArray();
    }

    private static List<int> Ports(ref Utf8JsonReader r)
    {
        var list = new List<int>();
        ExpectStartArray(ref r);
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            var p = r.GetInt32();
            if (p is < 1 or > 65535 || list.Count >= MaxStrings)
            {
                throw new ControlFormatException("bad tunnel port list");
            }
            list.Add(p);
        }
        return list;
    }

    private static List<string> Strings(ref Utf8JsonReader r)
    {
        var list = new List<string>();
        ExpectStartArray(ref r);
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (list.Count >= MaxStrings)
            {
                throw new ControlFormatException("list too long");
            }
            list.Add(r.GetString() ?? "");
        }
        return list;
    }

    // The message names the token type by hand: formatting an enum would cost the agent's binary
    // the runtime's enum-name machinery.
    private static void ExpectStartArray(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartArray)
        {
            throw new ControlFormatException("expected StartArray");
        }
    }
}

public sealed class ControlFormatException(string message) : Exception(message);
