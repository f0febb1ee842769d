using System.Net;

namespace Vigil.Onvif.Discovery.Mdns;

/// <summary>The record types DNS-SD browsing needs (RFC 6763 section 4 to 6).</summary>
public enum DnsType : ushort
{
    A = 1,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Any = 255,
}

/// <summary>A question: a name and the type asked for; <see cref="UnicastResponse"/> is mDNS's QU bit (RFC 6762 section 5.4).</summary>
public sealed record DnsQuestion(string Name, DnsType Type, bool UnicastResponse = false);

/// <summary>
/// A resource record, with its data decoded for the types above: PTR and SRV in
/// <see cref="Target"/>, SRV's port, A and AAAA in <see cref="Address"/>, TXT in <see cref="Text"/>.
/// Other types keep only their header. <see cref="CacheFlush"/> is mDNS's top bit of the class.
/// </summary>
public sealed record DnsRecord(string Name, DnsType Type, uint Ttl, bool CacheFlush = false)
{
    public string? Target { get; init; }
    public ushort Port { get; init; }
    public ushort Priority { get; init; }
    public ushort Weight { get; init; }
    public IPAddress? Address { get; init; }
    public IReadOnlyList<string> Text { get; init; } = [];
}

/// <summary>A DNS message as mDNS uses it: one header, four sections.</summary>
public sealed record DnsMessage(ushort Id, bool IsResponse, IReadOnlyList<DnsQuestion> Questions, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Additionals)
{
    /// <summary>Answer and additional records together, the way a browser looks for what it asked.</summary>
    public IEnumerable<DnsRecord> AllRecords => Answers.Concat(Additionals);
}
