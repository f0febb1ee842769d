using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// An IPv4 range in CIDR notation for directed unicast probes. At most a /16 (65,534 hosts): a
/// larger range is a mistake on a LAN and would take minutes. The network and broadcast addresses
/// of ranges up to /30 are left out; /31 and /32 are all hosts (RFC 3021).
/// </summary>
public sealed record CidrRange(IPAddress Network, int PrefixLength)
{
    public const int MinPrefix = 16;

    public static bool TryParse(string text, out CidrRange range, out string error)
    {
        range = null!;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            error = $"'{text}' is not an IPv4 range (like 192.168.1.0/24)";
            return false;
        }
        var prefix = 32;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > 32))
        {
            error = $"'{text}' has no valid prefix length (0 to 32)";
            return false;
        }
        if (prefix < MinPrefix)
        {
            error = $"'{text}' is larger than a /{MinPrefix}; scan it in /{MinPrefix} parts";
            return false;
        }
        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes()) & Mask(prefix);
        range = new CidrRange(ToAddress(value), prefix);
        error = "";
        return true;
    }

    public int Count => PrefixLength >= 31 ? 1 << (32 - PrefixLength) : (1 << (32 - PrefixLength)) - 2;

    public IEnumerable<IPAddress> Hosts()
    {
        var first = BinaryPrimitives.ReadUInt32BigEndian(Network.GetAddressBytes());
        var size = 1u << (32 - PrefixLength);
        var (from, to) = PrefixLength >= 31 ? (first, first + size - 1) : (first + 1, first + size - 2);
        for (var a = from; a <= to && a >= from; a++)
        {
            yield return ToAddress(a);
        }
    }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork
        && (BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes()) & Mask(PrefixLength)) == BinaryPrimitives.ReadUInt32BigEndian(Network.GetAddressBytes());

    public override string ToString() => $"{Network}/{PrefixLength}";

    private static uint Mask(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
