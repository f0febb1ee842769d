using System.Net;
using Vigil.Onvif.Discovery.WsDiscovery;

namespace Vigil.Onvif.Scanning;

/// <summary>WS-Discovery: multicast and directed Probes, ProbeMatches, Hello and Bye.</summary>
public sealed partial class Scanner
{
    private UdpChannel? _wsd4;
    private UdpChannel? _wsd6;
    private static readonly TimeSpan QuerySettle = TimeSpan.FromMilliseconds(30);
    private byte[][] _lastProbes = [];

    private void SendWsDiscoveryRound(bool repeat)
    {
        if (!repeat || _lastProbes.Length == 0)
        {
            _lastProbes = WsdProbe.OnvifTypes.Select(t => NewProbe(t)).ToArray();
        }
        foreach (var probe in _lastProbes)
        {
            SendToGroups(_wsd4, WsdGroup4, probe, _wsd6, WsdGroup6, probe);
        }
    }

    private byte[] NewProbe((string Prefix, string Namespace, string Name) type)
    {
        var id = WsdProbe.NewMessageId();
        _probeIds.TryAdd(EndpointAddress.Normalize(id), 0);
        return WsdProbe.Write(id, type);
    }

    /// <summary>
    /// A directed Probe to every address of the ranges (for networks that do not carry multicast),
    /// paced in bursts so that a /16 does not overrun the socket's send buffer. The second pass
    /// goes only to the addresses that have not answered.
    /// </summary>
    private async Task ProbeRangesAsync(bool onlyUnanswered, CancellationToken ct)
    {
        if (_options.Ranges.Count == 0 || _wsd4 is null || !Enabled(ScanProtocols.WsDiscovery))
        {
            return;
        }
        var probe = NewProbe(WsdProbe.OnvifTypes[0]);
        var sent = 0;
        foreach (var host in _options.Ranges.SelectMany(r => r.Hosts()))
        {
            if (onlyUnanswered && _answered.ContainsKey(host))
            {
                continue;
            }
            _wsd4.SendTo(probe, new IPEndPoint(host, 3702));
            if (++sent % 256 == 0)
            {
                await Task.Delay(1, ct).ConfigureAwait(false);
            }
        }
    }

    private void HandleWsDiscovery(in Datagram d)
    {
        if (!WsdMessageParser.TryParse(d.Payload, out var message, out var reason))
        {
            Refuse(d, reason);
            return;
        }
        switch (message.Action)
        {
            case WsdAction.ProbeMatches or WsdAction.ResolveMatches:
                // An answer must name a probe of this scan. One that names another is someone
                // else's answer, a replay, or forged; one without RelatesTo is accepted, since
                // some firmware leaves it out and the answer came to this scan's own port.
                if (message.RelatesTo is { } relatesTo && !_probeIds.ContainsKey(EndpointAddress.Normalize(relatesTo)))
                {
                    Refuse(d, $"RelatesTo {Truncate(relatesTo)} names no probe of this scan");
                    return;
                }
                foreach (var e in message.Endpoints)
                {
                    Register(d, e);
                }
                break;
            case WsdAction.Hello:
                foreach (var e in message.Endpoints)
                {
                    if (e.Types.Count > 0 && !e.Types.Any(t => t.IsOnvif))
                    {
                        ScanLog.NotOnvif(_logger, d.Remote.Address, string.Join(' ', e.Types));
                        continue;
                    }
                    Register(d, e);
                }
                break;
            case WsdAction.Bye:
                foreach (var e in message.Endpoints)
                {
                    var endpoint = EndpointAddress.Normalize(e.Address);
                    if (_registry.Depart(endpoint))
                    {
                        ScanLog.DeviceLeft(_logger, endpoint);
                    }
                }
                break;
            case WsdAction.Probe:
                // Another client's probe, heard on the listening port: not for us to answer.
                break;
            default:
                Refuse(d, "not a discovery answer");
                break;
        }
    }

    private void Register(in Datagram d, WsdEndpoint e)
    {
        var sender = d.Remote.Address;
        var xaddrs = XAddrs.Resolve(e.XAddrs, sender.IsIPv4MappedToIPv6 ? sender.MapToIPv4() : sender);
        var scopes = OnvifScopes.Parse(e.Scopes);
        var queue = false;
        var device = Observe(d, EndpointAddress.Normalize(e.Address), r =>
        {
            foreach (var x in xaddrs)
            {
                DeviceRecord.AddCapped(r.XAddrs, x, DeviceRecord.MaxXAddrs);
            }
            foreach (var s in e.Scopes)
            {
                DeviceRecord.AddCapped(r.Scopes, s, DeviceRecord.MaxScopes);
            }
            foreach (var p in scopes.Profiles)
            {
                DeviceRecord.AddCapped(r.OnvifProfiles, p, 16);
            }
            r.FromAnnouncement.Fill(manufacturer: scopes.Manufacturer, model: scopes.Hardware, name: scopes.Name);
            r.Mac ??= scopes.Mac;
            if (_options.QueryOnvif && !r.QueryQueued && r.XAddrs.Count > 0)
            {
                r.QueryQueued = queue = true;
            }
        });
        _answered.TryAdd(sender, 0);
        if (queue && device is not null)
        {
            // A device's answer on the other address family (or its other probe type) comes
            // milliseconds later; waiting a moment lets the query choose among all its XAddrs.
            _ = Task.Delay(QuerySettle).ContinueWith(_ => _work.Writer.TryWrite(ct => QueryOnvifAsync(device, ct)), TaskScheduler.Default);
        }
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
