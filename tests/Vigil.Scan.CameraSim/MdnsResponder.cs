using System.Net;
using System.Net.Sockets;
using Vigil.Onvif.Discovery.Mdns;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// mDNS responders of the devices: answer PTR browses for their service type and SRV/TXT
/// questions for their instance; legacy queries (source port not 5353) by unicast with the
/// query's id and question, as RFC 6762 section 6.7 asks.
/// </summary>
public sealed class MdnsResponder(SimConfig config)
{
    private static readonly IPEndPoint Group4 = new(IPAddress.Parse("224.0.0.251"), 5353);
    private DeviceSockets _sockets = new();

    public IEnumerable<SimSocket> Start(CancellationToken ct)
    {
        var devices = config.Devices.Where(d => d.Mdns is not null).ToList();
        _sockets = DeviceSockets.Open(devices, 5353, Group4.Address, (_, payload, from) => Answer(devices, payload, from), ct);
        // Follow-up questions come straight to a device's own address.
        foreach (var d in devices)
        {
            _ = _sockets[d].ReceiveAsync((_, payload, from) => Answer([d], payload, from), ct);
        }
        return _sockets.All;
    }

    private Task Answer(List<SimDevice> devices, byte[] payload, IPEndPoint from)
    {
        if (!DnsMessageReader.TryRead(payload, out var query, out _) || query.IsResponse)
        {
            return Task.CompletedTask;
        }
        foreach (var d in devices)
        {
            var m = d.Mdns!;
            var address = IPAddress.Parse(d.Address);
            var host = DnsName.FirstLabel(m.Instance).Replace(' ', '-') + ".local";
            var srv = new DnsRecord(m.Instance + "." + m.ServiceType, DnsType.Srv, 120, CacheFlush: true) { Port = m.Port, Target = host };
            var txt = new DnsRecord(srv.Name, DnsType.Txt, 4500, CacheFlush: true) { Text = m.Txt };
            var a = new DnsRecord(host, DnsType.A, 120, CacheFlush: true) { Address = address };
            var answers = new List<DnsRecord>();
            var additionals = new List<DnsRecord>();
            foreach (var q in query.Questions)
            {
                if (q.Type == DnsType.Ptr && DnsName.AreEqual(q.Name, m.ServiceType))
                {
                    answers.Add(new DnsRecord(m.ServiceType, DnsType.Ptr, 4500) { Target = srv.Name });
                    if (!m.Split)
                    {
                        additionals.AddRange([srv, txt, a]);
                    }
                }
                else if (DnsName.AreEqual(q.Name, srv.Name) && q.Type is DnsType.Srv or DnsType.Txt or DnsType.Any)
                {
                    answers.Add(q.Type == DnsType.Txt ? txt : srv);
                    if (q.Type != DnsType.Txt)
                    {
                        additionals.Add(a);
                    }
                }
            }
            if (answers.Count == 0)
            {
                continue;
            }
            var legacy = from.Port != 5353;
            var response = m.Behaviour == "loop"
                ? Hostile.DnsPointerLoop(query.Id)
                : DnsMessageWriter.Write(new DnsMessage(legacy ? query.Id : (ushort)0, true, legacy ? query.Questions : [], answers, additionals.Distinct().ToList()));
            _sockets[d].Send(response, legacy ? from : Group4);
        }
        return Task.CompletedTask;
    }
}
