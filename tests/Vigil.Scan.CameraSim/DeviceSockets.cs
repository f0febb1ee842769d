using System.Net;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The sockets of one protocol in a namespace: one per device, bound to its address (answers
/// leave from it), and one wildcard listener joined to the protocol's group.
/// </summary>
public sealed class DeviceSockets
{
    private readonly Dictionary<SimDevice, SimSocket> _own = [];

    public List<SimSocket> All { get; } = [];

    public SimSocket this[SimDevice device] => _own[device];

    /// <summary>Binds a socket per device and, if there is any device, the listener; <paramref name="onListener"/> handles what the listener gets.</summary>
    public static DeviceSockets Open(IReadOnlyList<SimDevice> devices, int port, IPAddress group, Func<SimSocket, byte[], IPEndPoint, Task> onListener, CancellationToken ct)
    {
        var s = new DeviceSockets();
        if (devices.Count == 0)
        {
            return s;
        }
        foreach (var d in devices)
        {
            var own = SimSocket.Bind(IPAddress.Parse(d.Address), port);
            s._own[d] = own;
            s.All.Add(own);
        }
        var listener = SimSocket.Listen(group, port);
        s.All.Add(listener);
        _ = listener.ReceiveAsync(onListener, ct);
        return s;
    }
}
