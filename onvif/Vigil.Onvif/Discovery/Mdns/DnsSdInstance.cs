using System.Net;

namespace Vigil.Onvif.Discovery.Mdns;

/// <summary>
/// One DNS-SD service instance (RFC 6763 section 4.1): "Front door._rtsp._tcp.local" with the
/// host and port of its SRV record, its TXT key/value pairs and the host's addresses.
/// </summary>
public sealed record DnsSdInstance(string Instance, string ServiceType, string? Host, ushort Port, IReadOnlyDictionary<string, string> Txt, IReadOnlyList<IPAddress> Addresses)
{
    /// <summary>The user-visible part of the instance name.</summary>
    public string DisplayName => DnsName.FirstLabel(Instance);

    /// <summary>
    /// Reads the instances of the browsed service types out of a response: PTR answers name them,
    /// SRV, TXT, A and AAAA records in any section fill them in (RFC 6763 section 12).
    /// </summary>
    public static List<DnsSdInstance> FromResponse(DnsMessage message, IReadOnlyCollection<string> serviceTypes)
    {
        var records = message.AllRecords.ToList();
        var result = new List<DnsSdInstance>();
        foreach (var ptr in records.Where(r => r.Type == DnsType.Ptr && r.Target is not null))
        {
            var type = serviceTypes.FirstOrDefault(t => DnsName.AreEqual(t, ptr.Name));
            if (type is null || result.Any(i => DnsName.AreEqual(i.Instance, ptr.Target!)))
            {
                continue;
            }
            result.Add(Describe(ptr.Target!, type, records));
        }
        // A response to a resolve query (SRV/TXT of a known instance) carries no PTR.
        foreach (var srv in records.Where(r => r.Type == DnsType.Srv))
        {
            var type = serviceTypes.FirstOrDefault(t => srv.Name.EndsWith("." + t.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));
            if (type is not null && !result.Any(i => DnsName.AreEqual(i.Instance, srv.Name)))
            {
                result.Add(Describe(srv.Name, type, records));
            }
        }
        return result;
    }

    private static DnsSdInstance Describe(string instance, string type, List<DnsRecord> records)
    {
        var srv = records.FirstOrDefault(r => r.Type == DnsType.Srv && DnsName.AreEqual(r.Name, instance));
        var txt = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in records.Where(r => r.Type == DnsType.Txt && DnsName.AreEqual(r.Name, instance)).SelectMany(r => r.Text))
        {
            // RFC 6763 section 6.4: the first occurrence of a key wins; a key without '=' is a boolean.
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? entry : entry[..eq];
            if (key.Length > 0)
            {
                txt.TryAdd(key, eq < 0 ? "" : entry[(eq + 1)..]);
            }
        }
        var addresses = srv?.Target is { } host
            ? records.Where(r => r.Type is DnsType.A or DnsType.Aaaa && r.Address is not null && DnsName.AreEqual(r.Name, host)).Select(r => r.Address!).Distinct().ToList()
            : [];
        return new DnsSdInstance(instance, type, srv?.Target, srv?.Port ?? 0, txt, addresses);
    }
}
