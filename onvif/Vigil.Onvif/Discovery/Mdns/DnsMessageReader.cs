using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Vigil.Onvif.Discovery.Mdns;

/// <summary>
/// Decodes a DNS message (RFC 1035 section 4) from a datagram. Every count and length is checked
/// against what is left: a record that claims more than the datagram holds, a name longer than
/// 255 octets, or a compression pointer that does not point strictly backwards (the only way a
/// pointer loop can be built) fails the message with a reason.
/// </summary>
public static class DnsMessageReader
{
    public const int MaxRecords = 256;
    public const int MaxTextStrings = 64;

    public static bool TryRead(ReadOnlySpan<byte> packet, out DnsMessage message, out string reason)
    {
        message = null!;
        try
        {
            message = Read(packet);
            reason = "";
            return true;
        }
        catch (FormatException e)
        {
            reason = e.Message;
            return false;
        }
    }

    public static DnsMessage Read(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12)
        {
            throw new FormatException($"DNS header needs 12 bytes, got {packet.Length}");
        }
        var id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        int qd = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if (qd + an + ns + ar > MaxRecords)
        {
            throw new FormatException($"DNS message claims {qd + an + ns + ar} entries, more than {MaxRecords}");
        }
        var offset = 12;
        var questions = new List<DnsQuestion>(qd);
        for (var i = 0; i < qd; i++)
        {
            var name = ReadName(packet, ref offset);
            Need(packet, offset, 4);
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            offset += 4;
            questions.Add(new DnsQuestion(name, type, (cls & 0x8000) != 0));
        }
        var answers = ReadRecords(packet, ref offset, an);
        _ = ReadRecords(packet, ref offset, ns);
        var additionals = ReadRecords(packet, ref offset, ar);
        return new DnsMessage(id, (flags & 0x8000) != 0, questions, answers, additionals);
    }

    private static List<DnsRecord> ReadRecords(ReadOnlySpan<byte> packet, ref int offset, int count)
    {
        var records = new List<DnsRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var name = ReadName(packet, ref offset);
            Need(packet, offset, 10);
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(offset + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 8)..]);
            offset += 10;
            Need(packet, offset, length);
            var record = new DnsRecord(name, type, ttl, (cls & 0x8000) != 0);
            var data = packet.Slice(offset, length);
            var dataOffset = offset;
            record = type switch
            {
                DnsType.A when length == 4 => record with { Address = new IPAddress(data) },
                DnsType.Aaaa when length == 16 => record with { Address = new IPAddress(data) },
                DnsType.A or DnsType.Aaaa => throw new FormatException($"{type} record of {length} bytes"),
                DnsType.Ptr => record with { Target = ReadNameWithin(packet, dataOffset, length) },
                DnsType.Srv when length >= 7 => record with
                {
                    Priority = BinaryPrimitives.ReadUInt16BigEndian(data),
                    Weight = BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
                    Port = BinaryPrimitives.ReadUInt16BigEndian(data[4..]),
                    Target = ReadNameWithin(packet, dataOffset + 6, length - 6),
                },
                DnsType.Srv => throw new FormatException($"SRV record of {length} bytes"),
                DnsType.Txt => record with { Text = ReadText(data) },
                _ => record,
            };
            records.Add(record);
            offset += length;
        }
        return records;
    }

    /// <summary>A name inside RDATA must end inside it, even when it continues through a pointer.</summary>
    private static string ReadNameWithin(ReadOnlySpan<byte> packet, int start, int length)
    {
        var o = start;
        var name = ReadName(packet, ref o);
        if (o > start + length)
        {
            throw new FormatException("name runs past its record");
        }
        return name;
    }

    private static List<string> ReadText(ReadOnlySpan<byte> data)
    {
        var strings = new List<string>();
        var i = 0;
        while (i < data.Length)
        {
            int len = data[i++];
            if (i + len > data.Length)
            {
                throw new FormatException("TXT string runs past its record");
            }
            if (len > 0 && strings.Count < MaxTextStrings)
            {
                strings.Add(Encoding.UTF8.GetString(data.Slice(i, len)));
            }
            i += len;
        }
        return strings;
    }

    /// <summary>
    /// Reads a possibly compressed name (RFC 1035 section 4.1.4). Each pointer must point before
    /// where the name (or the previous pointer's target) began, so the jumps strictly descend and a
    /// pointer loop cannot be built.
    /// </summary>
    public static string ReadName(ReadOnlySpan<byte> packet, ref int offset)
    {
        var labels = new List<string>();
        var wireLength = 1;
        var position = offset;
        var limit = offset;
        var jumped = false;
        while (true)
        {
            Need(packet, position, 1);
            int len = packet[position];
            if (len == 0)
            {
                position++;
                break;
            }
            if ((len & 0xC0) == 0xC0)
            {
                Need(packet, position, 2);
                var target = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]) & 0x3FFF;
                if (target >= limit)
                {
                    throw new FormatException("compression pointer does not point backwards");
                }
                limit = target;
                if (!jumped)
                {
                    offset = position + 2;
                    jumped = true;
                }
                position = target;
                continue;
            }
            if ((len & 0xC0) != 0)
            {
                throw new FormatException($"unknown label type 0x{len:x2}");
            }
            Need(packet, position + 1, len);
            wireLength += len + 1;
            if (wireLength > DnsName.MaxLength)
            {
                throw new FormatException("name longer than 255 octets");
            }
            labels.Add(Encoding.UTF8.GetString(packet.Slice(position + 1, len)));
            position += len + 1;
        }
        if (!jumped)
        {
            offset = position;
        }
        return DnsName.Join(labels);
    }

    private static void Need(ReadOnlySpan<byte> packet, int offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > packet.Length)
        {
            throw new FormatException($"truncated: needs {count} bytes at {offset} of {packet.Length}");
        }
    }
}
