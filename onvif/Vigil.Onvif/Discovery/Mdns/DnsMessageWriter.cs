using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Onvif.Discovery.Mdns;

/// <summary>
/// Encodes DNS messages: the queries a browser sends and, for test responders, answers. Names are
/// written uncompressed; that is always valid, and mDNS messages here stay far below 9000 bytes.
/// </summary>
public static class DnsMessageWriter
{
    public static byte[] Write(DnsMessage message)
    {
        var w = new ArrayBufferWriter<byte>(512);
        WriteUInt16(w, message.Id);
        // A response is authoritative (RFC 6762 section 18.4); a query has no flags.
        WriteUInt16(w, message.IsResponse ? (ushort)0x8400 : (ushort)0);
        WriteUInt16(w, (ushort)message.Questions.Count);
        WriteUInt16(w, (ushort)message.Answers.Count);
        WriteUInt16(w, 0);
        WriteUInt16(w, (ushort)message.Additionals.Count);
        foreach (var q in message.Questions)
        {
            WriteName(w, q.Name);
            WriteUInt16(w, (ushort)q.Type);
            WriteUInt16(w, (ushort)(q.UnicastResponse ? 0x8001 : 0x0001));
        }
        foreach (var r in message.Answers.Concat(message.Additionals))
        {
            WriteRecord(w, r);
        }
        return w.WrittenSpan.ToArray();
    }

    private static void WriteRecord(IBufferWriter<byte> w, DnsRecord r)
    {
        WriteName(w, r.Name);
        WriteUInt16(w, (ushort)r.Type);
        WriteUInt16(w, (ushort)(r.CacheFlush ? 0x8001 : 0x0001));
        WriteUInt16(w, (ushort)(r.Ttl >> 16));
        WriteUInt16(w, (ushort)r.Ttl);
        var data = new ArrayBufferWriter<byte>(64);
        switch (r.Type)
        {
            case DnsType.A or DnsType.Aaaa:
                var expected = r.Type == DnsType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (r.Address is null || r.Address.AddressFamily != expected)
                {
                    throw new ArgumentException($"{r.Type} record needs an {expected} address");
                }
                data.Write(r.Address.GetAddressBytes());
                break;
            case DnsType.Ptr:
                WriteName(data, r.Target ?? throw new ArgumentException("PTR record needs a target"));
                break;
            case DnsType.Srv:
                WriteUInt16(data, r.Priority);
                WriteUInt16(data, r.Weight);
                WriteUInt16(data, r.Port);
                WriteName(data, r.Target ?? throw new ArgumentException("SRV record needs a target"));
                break;
            case DnsType.Txt:
                foreach (var t in r.Text.DefaultIfEmpty(""))
                {
                    var bytes = Encoding.UTF8.GetBytes(t);
                    if (bytes.Length > 255)
                    {
                        throw new ArgumentException("a TXT string holds at most 255 bytes");
                    }
                    data.Write([(byte)bytes.Length]);
                    data.Write(bytes);
                }
                break;
            default:
                throw new ArgumentException($"cannot write a {r.Type} record");
        }
        WriteUInt16(w, (ushort)data.WrittenCount);
        w.Write(data.WrittenSpan);
    }

    private static void WriteName(IBufferWriter<byte> w, string name)
    {
        var total = 1;
        foreach (var label in DnsName.Split(name))
        {
            var bytes = Encoding.UTF8.GetBytes(label);
            if (bytes.Length is 0 or > DnsName.MaxLabel)
            {
                throw new ArgumentException($"label of {bytes.Length} bytes in '{name}'");
            }
            total += bytes.Length + 1;
            if (total > DnsName.MaxLength)
            {
                throw new ArgumentException($"name '{name}' is longer than 255 octets");
            }
            w.Write([(byte)bytes.Length]);
            w.Write(bytes);
        }
        w.Write([(byte)0]);
    }

    private static void WriteUInt16(IBufferWriter<byte> w, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(w.GetSpan(2), value);
        w.Advance(2);
    }
}
