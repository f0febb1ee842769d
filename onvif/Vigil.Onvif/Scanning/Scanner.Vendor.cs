using System.Net;
using Vigil.Onvif.Discovery.Dahua;
using Vigil.Onvif.Discovery.Sadp;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// The vendor probes: Hikvision SADP and Dahua DHDiscover. Both find cameras whose address does
/// not fit the LAN (a factory default 192.168.1.64 or 192.168.1.108 on a 10.x network), because
/// answers go to a multicast group, not to an address the camera must be able to route to.
/// </summary>
public sealed partial class Scanner
{
    private static readonly IPEndPoint SadpGroup = new(IPAddress.Parse("239.255.255.250"), SadpMessage.Port);
    private static readonly IPEndPoint DhGroup = new(IPAddress.Parse("239.255.255.251"), DhipMessage.Port);
    private UdpChannel? _sadp;
    private UdpChannel? _dh;

    private void SendVendorRound()
    {
        var inquiry = SadpMessage.WriteInquiry(Guid.NewGuid());
        var search = DhipMessage.WriteSearch();
        foreach (var i in _interfaces.Where(i => i.HasIPv4))
        {
            _sadp?.SendMulticast(inquiry, SadpGroup, i);
            _dh?.SendMulticast(search, DhGroup, i);
            // Older Dahua firmware listens for the search only by broadcast.
            foreach (var broadcast in i.Broadcasts)
            {
                _dh?.SendTo(search, new IPEndPoint(broadcast, DhipMessage.Port));
            }
        }
    }

    private void HandleSadp(in Datagram d)
    {
        if (!SadpMessage.TryParse(d.Payload, out var message, out var reason))
        {
            Refuse(d, reason);
            return;
        }
        if (message.Kind != "ProbeMatch")
        {
            return;
        }
        var device = Observe(d, null, r =>
        {
            r.FromVendor.Fill(manufacturer: "Hikvision", model: message.Model, serial: message.Serial, firmware: message.Firmware);
            r.Mac ??= message.Mac;
            r.HttpPort ??= message.HttpPort;
        });
        if (device is not null && IPAddress.TryParse(message.IPv4Address, out var stated))
        {
            _registry.AddAddress(device, stated);
        }
    }

    private void HandleDhDiscover(in Datagram d)
    {
        if (!DhipMessage.TryParse(d.Payload, out var message, out var reason))
        {
            Refuse(d, reason);
            return;
        }
        if (message.Method != "client.notifyDevInfo")
        {
            return;
        }
        var device = Observe(d, null, r =>
        {
            r.FromVendor.Fill(manufacturer: message.Manufacturer, model: message.Model, serial: message.Serial, firmware: message.Firmware);
            r.Mac ??= message.Mac;
            r.HttpPort ??= message.HttpPort;
        });
        if (device is null)
        {
            return;
        }
        foreach (var stated in new[] { DhipMessage.AddressOf(message.IPv4Address), DhipMessage.AddressOf(message.IPv6Address) })
        {
            if (stated is not null)
            {
                _registry.AddAddress(device, stated);
            }
        }
    }
}
