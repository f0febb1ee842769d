using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Vigil.Onvif.Scanning;

/// <summary>A network interface a scan sends multicast on: its kernel index and its addresses.</summary>
public sealed record ScanInterface(string Name, int Index, IReadOnlyList<(IPAddress Address, int PrefixLength)> IPv4, IReadOnlyList<IPAddress> IPv6, bool IsUp, bool IsLoopback, bool SupportsMulticast)
{
    /// <summary>
    /// The interface is a port of a bridge or bond (it has a master). Its traffic belongs to the
    /// master, which is scanned instead: probing out of the port would bypass the bridge and
    /// reach only one segment, twice. Linux still gives such ports an IPv6 link-local address.
    /// </summary>
    public bool IsEnslaved { get; init; }

    public bool HasIPv4 => IPv4.Count > 0;

    /// <summary>IPv6 multicast needs a link-local source address on the interface.</summary>
    public bool HasIPv6 => IPv6.Any(a => a.IsIPv6LinkLocal);

    /// <summary>The subnet-directed broadcast addresses (10.0.0.255 of 10.0.0.7/24), for protocols that broadcast.</summary>
    public IEnumerable<IPAddress> Broadcasts => IPv4.Where(a => a.PrefixLength is > 0 and < 31).Select(a =>
    {
        var bytes = a.Address.GetAddressBytes();
        var host = uint.MaxValue >> a.PrefixLength;
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) | host;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    });

    /// <summary>The interfaces of this machine (this network namespace), as the kernel lists them.</summary>
    public static List<ScanInterface> List()
    {
        var result = new List<ScanInterface>();
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            IPInterfaceProperties props;
            int index;
            try
            {
                props = ni.GetIPProperties();
                index = props.GetIPv4Properties()?.Index ?? props.GetIPv6Properties()?.Index ?? -1;
            }
            catch (NetworkInformationException)
            {
                continue;
            }
            var v4 = props.UnicastAddresses.Where(u => u.Address.AddressFamily == AddressFamily.InterNetwork).Select(u => (u.Address, u.PrefixLength)).ToList();
            var v6 = props.UnicastAddresses.Where(u => u.Address.AddressFamily == AddressFamily.InterNetworkV6).Select(u => u.Address).ToList();
            // Linux reports "unknown" for links without carrier detection (tun, some bridges); they carry traffic.
            var up = ni.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown;
            result.Add(new ScanInterface(ni.Name, index, v4, v6, up, ni.NetworkInterfaceType == NetworkInterfaceType.Loopback, ni.SupportsMulticast)
            {
                IsEnslaved = OperatingSystem.IsLinux() && Path.Exists($"/sys/class/net/{ni.Name}/master"),
            });
        }
        return result;
    }

    /// <summary>
    /// Picks the interfaces to scan. Named ones are taken as given (an error names a missing one).
    /// Otherwise every interface that is up, not loopback, not a bridge port, multicast-capable
    /// and has an address:
    /// nothing is filtered by kind, so bridges, VLANs, bonds, macvlans and Wi-Fi all count, which
    /// is where cameras on a NVR's PoE switch or a separate camera VLAN are found.
    /// </summary>
    public static List<ScanInterface> Select(IReadOnlyList<ScanInterface> all, IReadOnlyCollection<string> wanted, out List<(string Name, string Why)> skipped)
    {
        skipped = [];
        if (wanted.Count > 0)
        {
            var chosen = new List<ScanInterface>();
            foreach (var name in wanted)
            {
                var ifc = all.FirstOrDefault(i => i.Name == name) ?? throw new ArgumentException($"no network interface named '{name}' (there are: {string.Join(", ", all.Select(i => i.Name))})");
                chosen.Add(ifc);
            }
            return chosen;
        }
        var result = new List<ScanInterface>();
        foreach (var i in all)
        {
            var why = i.IsLoopback ? "loopback"
                : i.IsEnslaved ? "a port of a bridge or bond (its master is scanned)"
                : !i.IsUp ? "down"
                : !i.SupportsMulticast ? "no multicast"
                : !i.HasIPv4 && !i.HasIPv6 ? "no address"
                : null;
            if (why is null)
            {
                result.Add(i);
            }
            else
            {
                skipped.Add((i.Name, why));
            }
        }
        return result;
    }
}
