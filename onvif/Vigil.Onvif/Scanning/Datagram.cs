using System.Net;

namespace Vigil.Onvif.Scanning;

/// <summary>One received datagram, copied out of the receive buffer, with where it came from.</summary>
internal readonly record struct Datagram(ScanProtocols Protocol, byte[] Payload, IPEndPoint Remote, int InterfaceIndex);
