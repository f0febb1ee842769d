using System.Net;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// The devices of one scan, merged: by WS-Discovery endpoint address (one device answering on
/// IPv4 and IPv6, or probed by multicast and unicast, is one device) and by IP address (what
/// WS-Discovery, mDNS, SSDP and the vendor protocols say about one host is one device). The
/// number of devices is capped; past the cap new devices are refused and counted.
/// </summary>
internal sealed class DeviceRegistry(int maxDevices)
{
    private readonly Lock _lock = new();
    private readonly List<DeviceRecord> _devices = [];
    private readonly Dictionary<string, DeviceRecord> _byEndpoint = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, DeviceRecord> _byAddress = [];

    public int Refused { get; private set; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _devices.Count;
            }
        }
    }

    /// <summary>
    /// Finds or makes the device that <paramref name="sender"/> (and <paramref name="endpoint"/>,
    /// if given) is, adds the sender's address, and runs <paramref name="update"/> on it under the
    /// lock. Null when the cap refused a new device.
    /// </summary>
    public DeviceRecord? Observe(IPAddress sender, string? endpoint, TimeSpan now, string? interfaceName, Action<DeviceRecord> update)
    {
        if (sender.IsIPv4MappedToIPv6)
        {
            sender = sender.MapToIPv4();
        }
        var key = Key(sender);
        lock (_lock)
        {
            DeviceRecord? byEndpoint = null;
            if (endpoint is not null)
            {
                _byEndpoint.TryGetValue(endpoint, out byEndpoint);
            }
            _byAddress.TryGetValue(key, out var byAddress);
            var device = byEndpoint ?? byAddress;
            if (byEndpoint is not null && byAddress is not null && byEndpoint != byAddress)
            {
                // Two records turn out to be one device: the endpoint's record takes the other in.
                Merge(byEndpoint, byAddress);
            }
            if (device is null)
            {
                if (_devices.Count >= maxDevices)
                {
                    Refused++;
                    return null;
                }
                device = new DeviceRecord(now, interfaceName);
                _devices.Add(device);
            }
            device.AddAddress(sender);
            _byAddress[key] = device;
            if (endpoint is not null && device.Endpoints.Count < DeviceRecord.MaxEndpoints)
            {
                DeviceRecord.AddCapped(device.Endpoints, endpoint, DeviceRecord.MaxEndpoints);
                _byEndpoint.TryAdd(endpoint, device);
            }
            update(device);
            return device;
        }
    }

    /// <summary>
    /// Records a further address of a known device (an A record, an address a vendor protocol
    /// states) without making it a key: a stated address proves less than a sender address.
    /// </summary>
    public void AddAddress(DeviceRecord device, IPAddress address)
    {
        lock (_lock)
        {
            device.Current.AddAddress(address);
        }
    }

    private void Merge(DeviceRecord into, DeviceRecord from)
    {
        into.Absorb(from);
        _devices.Remove(from);
        foreach (var a in _byAddress.Where(kv => kv.Value == from).Select(kv => kv.Key).ToList())
        {
            _byAddress[a] = into;
        }
        foreach (var e in _byEndpoint.Where(kv => kv.Value == from).Select(kv => kv.Key).ToList())
        {
            _byEndpoint[e] = into;
        }
    }

    /// <summary>A WS-Discovery Bye: the device is leaving. One known only through WS-Discovery is forgotten.</summary>
    public bool Depart(string endpoint)
    {
        lock (_lock)
        {
            if (!_byEndpoint.Remove(endpoint, out var device))
            {
                return false;
            }
            device.Endpoints.Remove(endpoint);
            if (device.Endpoints.Count == 0 && (device.Protocols & ~ScanProtocols.WsDiscovery & ~ScanProtocols.Onvif) == 0)
            {
                _devices.Remove(device);
                foreach (var a in _byAddress.Where(kv => kv.Value == device).Select(kv => kv.Key).ToList())
                {
                    _byAddress.Remove(a);
                }
            }
            return true;
        }
    }

    /// <summary>Changes a device under the lock; a record merged away meanwhile is followed to the one that took it in.</summary>
    public void Update(DeviceRecord device, Action<DeviceRecord> update)
    {
        lock (_lock)
        {
            update(device.Current);
        }
    }

    public List<DiscoveredDevice> Snapshot()
    {
        lock (_lock)
        {
            return _devices.Select(d => d.ToResult())
                .OrderBy(d => d.Address.AddressFamily)
                .ThenBy(d => d.Address.GetAddressBytes(), ByteOrder.Instance)
                .ToList();
        }
    }

    /// <summary>Link-local IPv6 addresses are keyed without their zone: the same host on one link.</summary>
    private static IPAddress Key(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && a.ScopeId != 0 ? new IPAddress(a.GetAddressBytes()) : a;

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
