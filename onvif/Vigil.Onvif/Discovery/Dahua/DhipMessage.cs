using System.Buffers.Binary;
using System.Net;
using System.Text.Json;

namespace Vigil.Onvif.Discovery.Dahua;

/// <summary>
/// Dahua's DHDiscover over UDP 37810: a 32-byte DHIP header (little-endian header size 0x20, the
/// magic "DHIP", a session id, the body length at offsets 16 and 24) and a JSON body. The search
/// is "DHDiscover.search"; devices answer "client.notifyDevInfo" with params.deviceInfo.
/// </summary>
public sealed record DhipMessage(string? Method, string? Mac, string? Model, string? Serial, string? Firmware, string? Vendor, string? IPv4Address, string? IPv6Address, int? HttpPort, string? DeviceClass)
{
    public const int Port = 37810;
    public const int HeaderSize = 32;
    public const int MaxBody = 16 * 1024;
    private static ReadOnlySpan<byte> Magic => "DHIP"u8;

    /// <summary>The maker to show: the OEM's name when it gives one, Dahua when it hides behind "General" or "Private".</summary>
    public string Manufacturer => Vendor is { Length: > 0 } v && v is not ("General" or "Private") ? v : "Dahua";

    public static byte[] WriteSearch()
    {
        var body = "{ \"method\" : \"DHDiscover.search\", \"params\" : { \"mac\" : \"\", \"uni\" : 1 } }\n"u8;
        return Frame(body);
    }

    public static byte[] Frame(ReadOnlySpan<byte> body)
    {
        var packet = new byte[HeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet, HeaderSize);
        Magic.CopyTo(packet.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(16), (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(24), (uint)body.Length);
        body.CopyTo(packet.AsSpan(HeaderSize));
        return packet;
    }

    public static bool TryParse(ReadOnlySpan<byte> datagram, out DhipMessage message, out string reason)
    {
        message = null!;
        if (datagram.Length < HeaderSize || !datagram.Slice(4, 4).SequenceEqual(Magic))
        {
            reason = "not a DHIP packet";
            return false;
        }
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(datagram[16..]);
        if (headerSize != HeaderSize || length != datagram.Length - HeaderSize)
        {
            reason = $"DHIP header says {length} body bytes (header {headerSize}), the datagram has {datagram.Length - HeaderSize}";
            return false;
        }
        if (length > MaxBody)
        {
            reason = $"DHIP body of {length} bytes, more than {MaxBody}";
            return false;
        }
        // Some firmware pads the JSON with NUL bytes.
        var body = datagram[HeaderSize..].TrimEnd((byte)0);
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16, AllowTrailingCommas = true });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "DHIP body is not a JSON object";
                return false;
            }
            var info = Object(Object(root, "params"), "deviceInfo");
            message = new DhipMessage(
                Text(root, "method"),
                Text(root, "mac") ?? Text(info, "Mac"),
                Text(info, "DeviceType"),
                Text(info, "SerialNo"),
                Text(info, "Version"),
                Text(info, "Vendor") ?? Text(info, "Manufacturer"),
                Text(Object(info, "IPv4Address"), "IPAddress"),
                Text(Object(info, "IPv6Address"), "IPAddress"),
                Number(info, "HttpPort"),
                Text(info, "DeviceClass"));
            reason = "";
            return true;
        }
        catch (JsonException e)
        {
            reason = $"DHIP body is not valid JSON ({e.Message.Split('.')[0]})";
            return false;
        }
    }

    private static JsonElement Object(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    private static string? Text(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var s = v.GetString();
        return string.IsNullOrWhiteSpace(s) ? null : s.Length > 256 ? s[..256] : s;
    }

    private static int? Number(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;

    /// <summary>The address part of "2001:db8::2/112" as Dahua writes IPv6 addresses.</summary>
    public static IPAddress? AddressOf(string? text) =>
        text is null ? null : IPAddress.TryParse(text.Split('/')[0], out var a) ? a : null;
}
