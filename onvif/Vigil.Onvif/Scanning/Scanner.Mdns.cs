using System.Net;
using System.Net.Sockets;
using Vigil.Onvif.Discovery.Mdns;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// mDNS/DNS-SD browsing. Queries go from an ephemeral port, which makes them "legacy unicast"
/// queries (RFC 6762 section 6.7): responders answer by unicast to that port, and no port 5353
/// is needed. A listener on 5353 also hears responders that answer by multicast anyway.
/// </summary>
public sealed partial class Scanner
{
    private static readonly IPEndPoint MdnsGroup4 = new(IPAddress.Parse("224.0.0.251"), 5353);
    private static readonly IPEndPoint MdnsGroup6 = new(IPAddress.Parse("ff02::fb"), 5353);
    private UdpChannel? _mdns4;
    private UdpChannel? _mdns6;
    private ushort _mdnsId;

    private void OpenMdns(bool v4, bool v6, Action<UdpChannel?> add)
    {
        if (v4)
        {
            add(_mdns4 = UdpChannel.Open(ScanProtocols.Mdns, AddressFamily.InterNetwork, 0, false, _logger));
            add(Listen(ScanProtocols.Mdns, AddressFamily.InterNetwork, 5353, MdnsGroup4.Address));
        }
        if (v6)
        {
            add(_mdns6 = UdpChannel.Open(ScanProtocols.Mdns, AddressFamily.InterNetworkV6, 0, false, _logger));
            add(Listen(ScanProtocols.Mdns, AddressFamily.InterNetworkV6, 5353, MdnsGroup6.Address));
        }
    }

    private void SendMdnsRound()
    {
        // A legacy query carries a non-zero id, which the answer echoes (RFC 6762 section 6.7).
        var query = DnsMessageWriter.Write(new DnsMessage(
            ++_mdnsId,
            IsResponse: false,
            _options.MdnsServiceTypes.Select(t => new DnsQuestion(t, DnsType.Ptr)).ToList(),
            [],
            []));
        SendToGroups(_mdns4, MdnsGroup4, query, _mdns6, MdnsGroup6, query);
    }

    private void HandleMdns(in Datagram d)
    {
        if (!DnsMessageReader.TryRead(d.Payload, out var message, out var reason))
        {
            Refuse(d, $"malformed DNS message: {reason}");
            return;
        }
        if (!message.IsResponse)
        {
            return;
        }
        var instances = DnsSdInstance.FromResponse(message, _options.MdnsServiceTypes);
        foreach (var instance in instances)
        {
            var resolve = false;
            var device = Observe(d, null, r =>
            {
                DeviceRecord.AddCapped(r.Services, instance.Instance, DeviceRecord.MaxServices);
                var txt = instance.Txt;
                r.FromAnnouncement.Fill(
                    manufacturer: Txt(txt, "manufacturer", "mfr", "vendor") ?? (instance.ServiceType.StartsWith("_axis", StringComparison.OrdinalIgnoreCase) ? "AXIS" : null),
                    model: Txt(txt, "model", "md"),
                    serial: Txt(txt, "serial", "sn"),
                    firmware: Txt(txt, "firmware", "fw", "fv"),
                    name: instance.DisplayName);
                r.Mac ??= Txt(txt, "macaddress", "mac");
                if (instance.ServiceType.StartsWith("_http.", StringComparison.OrdinalIgnoreCase) && instance.Port != 0)
                {
                    r.HttpPort ??= instance.Port;
                }
                // An answer without SRV gets one follow-up question for it, straight to the responder.
                if (instance.Host is null && !r.ResolvedInstances.Contains(instance.Instance) && r.ResolvedInstances.Count < DeviceRecord.MaxServices)
                {
                    r.ResolvedInstances.Add(instance.Instance);
                    resolve = true;
                }
            });
            if (device is null)
            {
                continue;
            }
            foreach (var a in instance.Addresses)
            {
                _registry.AddAddress(device, a);
            }
            if (resolve)
            {
                var query = DnsMessageWriter.Write(new DnsMessage(++_mdnsId, false, [new DnsQuestion(instance.Instance, DnsType.Srv), new DnsQuestion(instance.Instance, DnsType.Txt)], [], []));
                (d.Remote.AddressFamily == AddressFamily.InterNetwork ? _mdns4 : _mdns6)?.SendTo(query, new IPEndPoint(d.Remote.Address, 5353));
            }
        }
    }

    private static string? Txt(IReadOnlyDictionary<string, string> txt, params string[] keys)
    {
        foreach (var k in keys)
        {
            if (txt.TryGetValue(k, out var v) && v.Length > 0)
            {
                return v.Length > 256 ? v[..256] : v;
            }
        }
        return null;
    }
}
