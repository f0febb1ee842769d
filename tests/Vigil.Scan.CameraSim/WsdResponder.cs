using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Onvif.Discovery.WsDiscovery;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// WS-Discovery as the devices of one namespace answer it: multicast probes arrive at the shared
/// listeners, directed probes at each device's own socket, and each device answers from its own
/// address in its own way (see <see cref="SimDevice.Behaviour"/>).
/// </summary>
public sealed class WsdResponder(SimConfig config, Templates templates)
{
    private static readonly IPEndPoint Group4 = new(IPAddress.Parse("239.255.255.250"), 3702);
    private static readonly IPEndPoint Group6 = new(IPAddress.Parse("ff02::c"), 3702);
    private readonly Dictionary<(SimDevice, AddressFamily), SimSocket> _own = [];
    private readonly Dictionary<SimDevice, int> _probesSeen = [];
    private readonly HashSet<SimDevice> _announced = [];

    public IEnumerable<SimSocket> Start(CancellationToken ct)
    {
        var devices = config.Devices.Where(d => d.Wsd != "none").ToList();
        var sockets = new List<SimSocket>();
        foreach (var d in devices)
        {
            foreach (var a in d.Addresses)
            {
                var s = SimSocket.Bind(a, 3702);
                _own[(d, a.AddressFamily)] = s;
                sockets.Add(s);
                _ = s.ReceiveAsync((_, payload, from) => OnProbe([d], a.AddressFamily, payload, from), ct);
            }
        }
        foreach (var (group, family) in new[] { (Group4, AddressFamily.InterNetwork), (Group6, AddressFamily.InterNetworkV6) })
        {
            var listening = devices.Where(d => d.Multicast && d.Addresses.Any(a => a.AddressFamily == family)).ToList();
            if (listening.Count > 0)
            {
                var l = SimSocket.Listen(group.Address, 3702);
                sockets.Add(l);
                _ = l.ReceiveAsync((_, payload, from) => OnProbe(listening, family, payload, from), ct);
            }
        }
        return sockets;
    }

    private async Task OnProbe(List<SimDevice> devices, AddressFamily family, byte[] payload, IPEndPoint from)
    {
        if (!WsdMessageParser.TryParse(payload, out var probe, out _) || probe.Action != WsdAction.Probe || probe.MessageId is null)
        {
            return;
        }
        foreach (var d in devices)
        {
            if (!_own.TryGetValue((d, family), out var socket))
            {
                continue;
            }
            int seen;
            lock (_probesSeen)
            {
                _probesSeen[d] = seen = _probesSeen.GetValueOrDefault(d) + 1;
            }
            await AnswerAsync(d, socket, family, probe.MessageId, from, seen);
        }
    }

    private async Task AnswerAsync(SimDevice d, SimSocket socket, AddressFamily family, string relatesTo, IPEndPoint to, int seen)
    {
        var xaddrs = XAddrsFor(d, socket.Local.Address);
        string Valid(string? relates = null) => templates.ProbeMatches(d.Wsd, relates ?? relatesTo, d.Endpoint, xaddrs);
        switch (d.Behaviour)
        {
            case "normal":
                Send(socket, Valid(), to);
                break;
            case "drop-first":
                if (seen > d.DropProbes)
                {
                    Send(socket, Valid(), to);
                }
                break;
            case "hello-only" or "hello-bye":
                bool first;
                lock (_announced)
                {
                    first = _announced.Add(d);
                }
                if (first && family == AddressFamily.InterNetwork)
                {
                    // As if it had just booted: announce, and (hello-bye) leave again.
                    await Task.Delay(300);
                    Send(socket, templates.Hello(d.Endpoint, xaddrs), Group4);
                    if (d.Behaviour == "hello-bye")
                    {
                        await Task.Delay(300);
                        Send(socket, templates.Bye(d.Endpoint), Group4);
                    }
                }
                break;
            case "dtd":
                Send(socket, Hostile.ExternalEntity(Valid()), to);
                break;
            case "entity-bomb":
                Send(socket, Hostile.EntityBomb(Valid()), to);
                break;
            case "truncated":
                Send(socket, Hostile.Truncated(Valid()), to);
                break;
            case "wrong-relates-to":
                Send(socket, Valid("urn:uuid:" + Guid.NewGuid()), to);
                break;
            case "junk":
                socket.Send(Hostile.Junk(60_000, seen), to);
                break;
            case "flood":
                if (seen == 1)
                {
                    Flood(d, socket, relatesTo, xaddrs, to);
                }
                break;
            default:
                throw new InvalidOperationException($"unknown behaviour {d.Behaviour}");
        }
    }

    /// <summary>
    /// Valid answers with ever new endpoints, and large junk, as fast as the socket takes them:
    /// what a broken or hostile device on the LAN can do to a scanner.
    /// </summary>
    private void Flood(SimDevice d, SimSocket socket, string relatesTo, string xaddrs, IPEndPoint to)
    {
        var junk = Hostile.Junk(60_000, 7);
        for (var i = 0; i < 10_000; i++)
        {
            Send(socket, templates.ProbeMatches(d.Wsd, relatesTo, "urn:uuid:" + Guid.NewGuid(), xaddrs), to);
            if (i % 4 == 0)
            {
                socket.Send(junk, to);
            }
        }
    }

    private static string XAddrsFor(SimDevice d, IPAddress local) =>
        d.XAddrs.Replace("{HOST}", local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local}]" : local.ToString(), StringComparison.Ordinal);

    private static void Send(SimSocket socket, string message, IPEndPoint to) => socket.Send(Encoding.UTF8.GetBytes(message), to);
}
