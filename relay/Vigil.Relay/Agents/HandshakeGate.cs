using System.Net;

namespace Vigil.Relay.Agents;

/// <summary>
/// Counts the connections that have not finished their handshake and hello, over all and per source
/// address. Each may hold the relay for its whole handshake deadline, so without a cap a flood of
/// connections that never finish costs memory without bound; with it, a flood from one address stops
/// at that address's share and others still get in.
/// </summary>
public sealed class HandshakeGate(int maxPending, int maxPerAddress)
{
    private readonly object _gate = new();
    private readonly Dictionary<IPAddress, int> _byAddress = [];
    private int _pending;

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending;
            }
        }
    }

    /// <summary>Takes a place for a new connection; null when it may go on, else the reason it is refused.</summary>
    public string? TryEnter(IPAddress? address)
    {
        lock (_gate)
        {
            if (_pending >= maxPending)
            {
                return "too_many_handshakes";
            }
            if (address is not null)
            {
                var count = _byAddress.GetValueOrDefault(address);
                if (count >= maxPerAddress)
                {
                    return "too_many_handshakes_from_address";
                }
                _byAddress[address] = count + 1;
            }
            _pending++;
            return null;
        }
    }

    public void Leave(IPAddress? address)
    {
        lock (_gate)
        {
            _pending--;
            if (address is not null && _byAddress.TryGetValue(address, out var count))
            {
                if (count <= 1)
                {
                    _byAddress.Remove(address);
                }
                else
                {
                    _byAddress[address] = count - 1;
                }
            }
        }
    }
}
