using System.Net;
using System.Text;
using Vigil.Onvif.Discovery.Dahua;
using Vigil.Onvif.Discovery.Sadp;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// Hikvision SADP (answers to the multicast group, as the devices do) and Dahua DHDiscover
/// (answers to the searcher).
/// </summary>
public sealed class VendorResponder(SimConfig config, Templates templates)
{
    private static readonly IPEndPoint SadpGroup = new(IPAddress.Parse("239.255.255.250"), SadpMessage.Port);
    private DeviceSockets _sadp = new();
    private DeviceSockets _dh = new();

    public IEnumerable<SimSocket> Start(CancellationToken ct)
    {
        var sadp = config.Devices.Where(d => d.Sadp is not null).ToList();
        _sadp = DeviceSockets.Open(sadp, SadpMessage.Port, SadpGroup.Address, (_, payload, _) => AnswerSadp(sadp, payload), ct);
        var dh = config.Devices.Where(d => d.Dh is not null).ToList();
        _dh = DeviceSockets.Open(dh, DhipMessage.Port, IPAddress.Parse("239.255.255.251"), (_, payload, from) => AnswerDh(dh, payload, from), ct);
        return _sadp.All.Concat(_dh.All);
    }

    private Task AnswerSadp(List<SimDevice> devices, byte[] payload)
    {
        if (!SadpMessage.TryParse(payload, out var probe, out _) || probe.Kind != "Probe" || probe.Types != "inquiry")
        {
            return Task.CompletedTask;
        }
        foreach (var d in devices)
        {
            var id = d.Sadp!;
            var xml = templates.Shape("sadp-ProbeMatch.xml", ("UUID", probe.Uuid ?? ""), ("DEVICE_TYPE", "139"), ("MODEL", id.Model), ("SERIAL", id.Serial), ("MAC", id.Mac.Replace(':', '-')), ("IPV4", d.Address), ("FIRMWARE", id.Firmware));
            _sadp[d].Send(Encoding.UTF8.GetBytes(xml), SadpGroup);
        }
        return Task.CompletedTask;
    }

    private Task AnswerDh(List<SimDevice> devices, byte[] payload, IPEndPoint from)
    {
        if (!DhipMessage.TryParse(payload, out var search, out _) || search.Method != "DHDiscover.search")
        {
            return Task.CompletedTask;
        }
        foreach (var d in devices)
        {
            var id = d.Dh!;
            var json = templates.Shape("dhdiscover-notifyDevInfo.json", ("MAC", id.Mac), ("MODEL", id.Model), ("IPV4", d.Address), ("IPV6", d.Address6 ?? "::"), ("SERIAL", id.Serial), ("FIRMWARE", id.Firmware));
            _dh[d].Send(DhipMessage.Frame(Encoding.UTF8.GetBytes(json)), from);
        }
        return Task.CompletedTask;
    }
}
