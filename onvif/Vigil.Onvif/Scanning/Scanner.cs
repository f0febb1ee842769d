using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Onvif.Client;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// One scan of the LAN: probes by every enabled protocol on every chosen interface (again during
/// the scan, since UDP loses datagrams), directed probes to the given ranges, listens for Hello
/// and Bye, merges what answers into devices, and asks each ONVIF device about itself while the
/// scan runs. Receive loops only gate and copy; one loop parses, so handlers need no locks of
/// their own; ONVIF and UPnP questions run on a few workers.
/// </summary>
public sealed partial class Scanner : IDisposable
{
    private const int QueueCapacity = 1024;
    private static readonly IPEndPoint WsdGroup4 = new(IPAddress.Parse("239.255.255.250"), 3702);
    private static readonly IPEndPoint WsdGroup6 = new(IPAddress.Parse("ff02::c"), 3702);

    private readonly ScanOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Stopwatch _clock = new();
    private readonly DeviceRegistry _registry;
    private readonly SourceGate _gate = new(burst: 32, perSecond: 16, maxSources: 65_536);
    private readonly ConcurrentDictionary<string, byte> _probeIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, byte> _answered = new();
    private readonly Channel<Func<CancellationToken, Task>> _work = Channel.CreateUnbounded<Func<CancellationToken, Task>>();
    private readonly List<UdpChannel> _channels = [];
    private Dictionary<int, string> _interfaceNames = [];
    private List<ScanInterface> _interfaces = [];
    private long _refused;
    private long _queueFull;
    private int _started;

    /// <param name="http">The client for ONVIF and UPnP questions; null makes one fit for a LAN.</param>
    public Scanner(ScanOptions options, ILogger? logger = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(OnvifHttp.CreateHandler(TimeSpan.FromSeconds(1.5))) { Timeout = Timeout.InfiniteTimeSpan };
        _registry = new DeviceRegistry(options.MaxDevices);
    }

    private TimeSpan Now => _clock.Elapsed;

    /// <summary>
    /// Runs the scan for <see cref="ScanOptions.Timeout"/> and returns what it found. Cancelling
    /// <paramref name="ct"/> ends it early with what was found so far.
    /// </summary>
    public async Task<ScanResult> RunAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a Scanner runs once; make another for the next scan");
        }
        var startedAt = DateTimeOffset.UtcNow;
        _clock.Start();
        var all = ScanInterface.List();
        _interfaceNames = all.Where(i => i.Index >= 0).GroupBy(i => i.Index).ToDictionary(g => g.Key, g => g.First().Name);
        _interfaces = _options.Multicast ? ScanInterface.Select(all, _options.Interfaces, out var skipped) : [];
        foreach (var i in _interfaces)
        {
            ScanLog.InterfaceUsed(_logger, i.Name, i.Index, string.Join(",", i.IPv4.Select(a => $"{a.Address}/{a.PrefixLength}")), i.HasIPv6);
        }
        if (_options.Multicast && _interfaces.Count == 0)
        {
            ScanLog.NoInterface(_logger);
        }

        using var scan = CancellationTokenSource.CreateLinkedTokenSource(ct);
        scan.CancelAfter(_options.Timeout - _clock.Elapsed);
        var queue = Channel.CreateBounded<Datagram>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        OpenChannels();
        var tasks = new List<Task>();
        foreach (var c in _channels)
        {
            tasks.Add(Task.Run(() => c.ReceiveAsync(queue.Writer, _gate, () => Interlocked.Increment(ref _queueFull), scan.Token), CancellationToken.None));
        }
        tasks.Add(Task.Run(() => ProcessAsync(queue.Reader, scan.Token), CancellationToken.None));
        for (var i = 0; i < _options.MaxConcurrentQueries; i++)
        {
            tasks.Add(Task.Run(() => WorkAsync(scan.Token), CancellationToken.None));
        }
        tasks.Add(Task.Run(() => SendRoundsAsync(scan.Token), CancellationToken.None));

        try
        {
            await Task.Delay(Timeout.Infinite, scan.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        ScanLog.Stopping(_logger, (long)_clock.Elapsed.TotalMilliseconds);
        foreach (var c in _channels)
        {
            c.Dispose();
        }
        queue.Writer.TryComplete();
        _work.Writer.TryComplete();
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var devices = _registry.Snapshot();
        var duration = _clock.Elapsed;
        if (_registry.Refused > 0)
        {
            ScanLog.DeviceCap(_logger, _options.MaxDevices, _registry.Refused);
        }
        if (_queueFull > 0)
        {
            ScanLog.QueueFull(_logger, _queueFull);
        }
        ScanLog.Finished(_logger, (long)duration.TotalMilliseconds, devices.Count, Interlocked.Read(ref _refused), _gate.Dropped);
        return new ScanResult(
            startedAt,
            duration,
            _interfaces.Select(i => i.Name).ToList(),
            _options.Ranges.Select(r => r.ToString()).ToList(),
            devices,
            Interlocked.Read(ref _refused),
            _gate.Dropped + Interlocked.Read(ref _queueFull));
    }

    /// <summary>
    /// The parse loop. A handler that throws is a bug, and one datagram's bug must not end the
    /// scan: it is logged and the loop goes on.
    /// </summary>
    private async Task ProcessAsync(ChannelReader<Datagram> queue, CancellationToken ct)
    {
        try
        {
            await foreach (var d in queue.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    switch (d.Protocol)
                    {
                        case ScanProtocols.WsDiscovery:
                            HandleWsDiscovery(d);
                            break;
                        case ScanProtocols.Mdns:
                            HandleMdns(d);
                            break;
                        case ScanProtocols.Ssdp:
                            HandleSsdp(d);
                            break;
                        case ScanProtocols.Sadp:
                            HandleSadp(d);
                            break;
                        case ScanProtocols.DhDiscover:
                            HandleDhDiscover(d);
                            break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ScanLog.HandlerFailed(_logger, e, d.Protocol, d.Remote.Address);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var job in _work.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await job(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Refuse(in Datagram d, string reason)
    {
        Interlocked.Increment(ref _refused);
        ScanLog.Refused(_logger, d.Protocol, d.Remote.Address, reason);
    }

    private string InterfaceName(int index) => _interfaceNames.GetValueOrDefault(index, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Registers what a datagram says about its sender; logs a device the first time it is heard.</summary>
    private DeviceRecord? Observe(in Datagram d, string? endpoint, Action<DeviceRecord> update)
    {
        var protocol = d.Protocol;
        var isNew = false;
        var device = _registry.Observe(d.Remote.Address, endpoint, Now, InterfaceName(d.InterfaceIndex), r =>
        {
            isNew = r.Protocols == ScanProtocols.None;
            r.Protocols |= protocol;
            update(r);
        });
        if (isNew && device is not null)
        {
            ScanLog.DeviceFound(_logger, d.Remote.Address, protocol, InterfaceName(d.InterfaceIndex));
        }
        return device;
    }

    private bool Enabled(ScanProtocols p) => (_options.Protocols & p) != 0;

    private void OpenChannels()
    {
        void Add(UdpChannel? c)
        {
            if (c is not null)
            {
                _channels.Add(c);
            }
        }
        var v4 = _interfaces.Any(i => i.HasIPv4);
        var v6 = _interfaces.Any(i => i.HasIPv6);
        if (Enabled(ScanProtocols.WsDiscovery))
        {
            // Probes go out of ephemeral ports (answers are unicast to them); 3702 only listens for
            // Hello and Bye, so a wsdd or another scanner holding it costs nothing but those.
            Add(_wsd4 = UdpChannel.Open(ScanProtocols.WsDiscovery, AddressFamily.InterNetwork, 0, false, _logger));
            if (v6)
            {
                Add(_wsd6 = UdpChannel.Open(ScanProtocols.WsDiscovery, AddressFamily.InterNetworkV6, 0, false, _logger));
            }
            if (v4)
            {
                Add(Listen(ScanProtocols.WsDiscovery, AddressFamily.InterNetwork, 3702, WsdGroup4.Address));
            }
            if (v6)
            {
                Add(Listen(ScanProtocols.WsDiscovery, AddressFamily.InterNetworkV6, 3702, WsdGroup6.Address));
            }
        }
        if (Enabled(ScanProtocols.Mdns))
        {
            OpenMdns(v4, v6, Add);
        }
        if (Enabled(ScanProtocols.Ssdp))
        {
            Add(_ssdp4 = v4 ? UdpChannel.Open(ScanProtocols.Ssdp, AddressFamily.InterNetwork, 0, false, _logger) : null);
            Add(_ssdp6 = v6 ? UdpChannel.Open(ScanProtocols.Ssdp, AddressFamily.InterNetworkV6, 0, false, _logger) : null);
        }
        if (Enabled(ScanProtocols.Sadp) && v4)
        {
            Add(_sadp = Listen(ScanProtocols.Sadp, AddressFamily.InterNetwork, Discovery.Sadp.SadpMessage.Port, SadpGroup.Address, fallBack: true));
        }
        if (Enabled(ScanProtocols.DhDiscover) && v4)
        {
            Add(_dh = Listen(ScanProtocols.DhDiscover, AddressFamily.InterNetwork, Discovery.Dahua.DhipMessage.Port, DhGroup.Address, fallBack: true));
        }
    }

    /// <summary>A socket on a well-known port, joined to its group on every scanned interface of its family.</summary>
    private UdpChannel? Listen(ScanProtocols protocol, AddressFamily family, int port, IPAddress group, bool fallBack = false)
    {
        var c = UdpChannel.Open(protocol, family, port, fallBack, _logger);
        if (c is not null && (fallBack || c.LocalPort == port))
        {
            foreach (var i in _interfaces.Where(i => family == AddressFamily.InterNetwork ? i.HasIPv4 : i.HasIPv6))
            {
                c.Join(group, i);
            }
        }
        return c;
    }

    /// <summary>
    /// Probe rounds: at once, a repeat 100 ms later for what the first lost (SOAP-over-UDP's
    /// retransmission, same message ids), then a fresh round every second while at least 400 ms
    /// remain for answers.
    /// </summary>
    private async Task SendRoundsAsync(CancellationToken ct)
    {
        try
        {
            var round = 0;
            var next = TimeSpan.Zero;
            while (!ct.IsCancellationRequested)
            {
                var wait = next - Now;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct).ConfigureAwait(false);
                }
                await SendRoundAsync(round, ct).ConfigureAwait(false);
                round++;
                next = round == 1 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(round - 1);
                if (next > _options.Timeout - TimeSpan.FromMilliseconds(400))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendRoundAsync(int round, CancellationToken ct)
    {
        if (_options.Multicast)
        {
            SendWsDiscoveryRound(repeat: round == 1);
            if (round <= 2)
            {
                SendMdnsRound();
            }
            if (round is 0 or 2)
            {
                SendSsdpRound();
                SendVendorRound();
            }
        }
        if (round is 0 or 2)
        {
            await ProbeRangesAsync(onlyUnanswered: round == 2, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends to a protocol's multicast group on every scanned interface, by each family the interface has.</summary>
    private void SendToGroups(UdpChannel? v4, IPEndPoint group4, byte[] payload4, UdpChannel? v6, IPEndPoint group6, byte[] payload6)
    {
        foreach (var i in _interfaces)
        {
            if (i.HasIPv4)
            {
                v4?.SendMulticast(payload4, group4, i);
            }
            if (i.HasIPv6)
            {
                v6?.SendMulticast(payload6, group6, i);
            }
        }
    }

    public void Dispose()
    {
        foreach (var c in _channels)
        {
            c.Dispose();
        }
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
