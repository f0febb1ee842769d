using System.Net;
using System.Text;
using Vigil.Onvif.Discovery.Ssdp;

namespace Vigil.Scan.CameraSim;

/// <summary>SSDP: answers M-SEARCH for root devices with the location of the UPnP description.</summary>
public sealed class SsdpResponder(SimConfig config)
{
    private DeviceSockets _sockets = new();

    public IEnumerable<SimSocket> Start(CancellationToken ct)
    {
        var devices = config.Devices.Where(d => d.Ssdp is not null).ToList();
        _sockets = DeviceSockets.Open(devices, 1900, IPAddress.Parse("239.255.255.250"), (_, payload, from) => Answer(devices, payload, from), ct);
        return _sockets.All;
    }

    private Task Answer(List<SimDevice> devices, byte[] payload, IPEndPoint from)
    {
        if (!SsdpMessage.TryParse(payload, out var m, out _) || !m.IsSearch)
        {
            return Task.CompletedTask;
        }
        var st = m.Header("ST");
        if (st is not ("upnp:rootdevice" or "ssdp:all"))
        {
            return Task.CompletedTask;
        }
        foreach (var d in devices)
        {
            var text = "HTTP/1.1 200 OK\r\n" +
                "CACHE-CONTROL: max-age=1800\r\n" +
                "EXT:\r\n" +
                $"LOCATION: http://{d.Address}:80/upnp/description.xml\r\n" +
                "SERVER: Linux/3.10, UPnP/1.0, camsim/1.0\r\n" +
                "ST: upnp:rootdevice\r\n" +
                $"USN: uuid:{Uuid(d)}::upnp:rootdevice\r\n" +
                "\r\n";
            _sockets[d].Send(Encoding.ASCII.GetBytes(text), from);
        }
        return Task.CompletedTask;
    }

    public static string Uuid(SimDevice d) => "5f9ec1b3-ed59-49df-a4b1-" + d.Ssdp!.Serial.PadLeft(12, '0')[^12..].ToLowerInvariant();
}
