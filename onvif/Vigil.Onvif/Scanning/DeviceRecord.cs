using System.Net;
using System.Net.Sockets;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// A device as the scan learns about it; changed only under the registry's lock. Lists are capped
/// so that one chatty or hostile source cannot grow a record without end.
/// </summary>
internal sealed class DeviceRecord(TimeSpan firstSeen, string? interfaceName)
{
    public const int MaxAddresses = 8;
    public const int MaxEndpoints = 4;
    public const int MaxXAddrs = 8;
    public const int MaxScopes = 64;
    public const int MaxServices = 16;

    public readonly List<IPAddress> Addresses = [];
    public readonly List<string> Endpoints = [];
    public readonly List<Uri> XAddrs = [];
    public readonly List<string> Scopes = [];
    public readonly List<string> OnvifProfiles = [];
    public readonly List<string> Services = [];
    public TimeSpan FirstSeen { get; private set; } = firstSeen;
    public string? Interface { get; private set; } = interfaceName;

    /// <summary>Set when this record was merged into another; work that still holds it follows the link.</summary>
    public DeviceRecord? MergedInto { get; private set; }
    public ScanProtocols Protocols;
    public Identity FromOnvif;
    public Identity FromVendor;
    public Identity FromUpnp;
    public Identity FromAnnouncement;
    public string? Mac;
    public int? HttpPort;
    public Uri? OnvifAddress;
    public string? OnvifError;
    public IReadOnlyList<StreamProfile> Streams = [];
    public bool QueryQueued;
    public bool DescriptionQueued;
    public readonly List<string> ResolvedInstances = [];

    /// <summary>
    /// An XAddr on an address the device's own datagrams came from (the IPv6 zone aside, which a
    /// URI does not carry): the only host a scan asks without being told to.
    /// </summary>
    public static bool OnOwnHost(Uri xaddr, IEnumerable<IPAddress> addresses)
    {
        if (!IPAddress.TryParse(xaddr.Host.Trim('[', ']'), out var host))
        {
            return false;
        }
        host = host.IsIPv4MappedToIPv6 ? host.MapToIPv4() : host;
        var bytes = host.GetAddressBytes();
        return addresses.Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).GetAddressBytes().AsSpan().SequenceEqual(bytes));
    }

    /// <summary>Identity fields from one kind of source; merged by precedence when the result is made.</summary>
    public struct Identity
    {
        public string? Manufacturer;
        public string? Model;
        public string? Serial;
        public string? Firmware;
        public string? HardwareId;
        public string? Name;

        public void Fill(string? manufacturer = null, string? model = null, string? serial = null, string? firmware = null, string? name = null, string? hardwareId = null)
        {
            Manufacturer ??= Clean(manufacturer);
            Model ??= Clean(model);
            Serial ??= Clean(serial);
            Firmware ??= Clean(firmware);
            Name ??= Clean(name);
            HardwareId ??= Clean(hardwareId);
        }

        public void Absorb(Identity other) =>
            Fill(other.Manufacturer, other.Model, other.Serial, other.Firmware, other.Name, other.HardwareId);

        private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }

    /// <summary>
    /// Takes in what <paramref name="other"/> knows: the two turned out to be one device (a
    /// vendor protocol heard it by IPv4 before WS-Discovery heard it by IPv6, say).
    /// </summary>
    public void Absorb(DeviceRecord other)
    {
        foreach (var a in other.Addresses)
        {
            AddCapped(Addresses, a, MaxAddresses);
        }
        foreach (var e in other.Endpoints)
        {
            AddCapped(Endpoints, e, MaxEndpoints);
        }
        foreach (var x in other.XAddrs)
        {
            AddCapped(XAddrs, x, MaxXAddrs);
        }
        foreach (var s in other.Scopes)
        {
            AddCapped(Scopes, s, MaxScopes);
        }
        foreach (var p in other.OnvifProfiles)
        {
            AddCapped(OnvifProfiles, p, 16);
        }
        foreach (var s in other.Services)
        {
            AddCapped(Services, s, MaxServices);
        }
        Protocols |= other.Protocols;
        FromOnvif.Absorb(other.FromOnvif);
        FromVendor.Absorb(other.FromVendor);
        FromUpnp.Absorb(other.FromUpnp);
        FromAnnouncement.Absorb(other.FromAnnouncement);
        Mac ??= other.Mac;
        HttpPort ??= other.HttpPort;
        OnvifAddress ??= other.OnvifAddress;
        OnvifError ??= other.OnvifError;
        Streams = Streams.Count > 0 ? Streams : other.Streams;
        QueryQueued |= other.QueryQueued;
        DescriptionQueued |= other.DescriptionQueued;
        if (other.FirstSeen < FirstSeen)
        {
            FirstSeen = other.FirstSeen;
            Interface = other.Interface;
        }
        other.MergedInto = this;
    }

    /// <summary>The record that now stands for this one.</summary>
    public DeviceRecord Current
    {
        get
        {
            var r = this;
            while (r.MergedInto is not null)
            {
                r = r.MergedInto;
            }
            return r;
        }
    }

    public void AddAddress(IPAddress address)
    {
        // IPv4 arrives on dual-stack paths as ::ffff:a.b.c.d; the scan speaks of the IPv4 address.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes());
        }
        AddCapped(Addresses, address, MaxAddresses);
    }

    public static void AddCapped<T>(List<T> list, T item, int max)
    {
        if (list.Count < max && !list.Contains(item))
        {
            list.Add(item);
        }
    }

    public DiscoveredDevice ToResult()
    {
        var sources = new[] { FromOnvif, FromVendor, FromUpnp, FromAnnouncement };
        string? Pick(Func<Identity, string?> field) => sources.Select(field).FirstOrDefault(v => v is not null);
        var primary = Addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? Addresses.FirstOrDefault(a => !a.IsIPv6LinkLocal)
            ?? Addresses[0];
        return new DiscoveredDevice
        {
            Address = primary,
            Addresses = [.. Addresses],
            Interface = Interface,
            Manufacturer = Pick(i => i.Manufacturer),
            Model = Pick(i => i.Model),
            Serial = Pick(i => i.Serial),
            Firmware = Pick(i => i.Firmware),
            HardwareId = Pick(i => i.HardwareId),
            Name = Pick(i => i.Name),
            Mac = Mac,
            Protocols = Protocols,
            Endpoints = [.. Endpoints],
            XAddrs = [.. XAddrs],
            Scopes = [.. Scopes],
            OnvifProfiles = [.. OnvifProfiles],
            OnvifAddress = OnvifAddress ?? XAddrs.FirstOrDefault(x => OnOwnHost(x, Addresses)),
            OnvifError = OnvifError,
            Streams = Streams,
            Services = [.. Services],
            HttpPort = HttpPort,
            FirstSeen = FirstSeen,
        };
    }
}
