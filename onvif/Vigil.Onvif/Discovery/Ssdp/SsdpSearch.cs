using System.Text;

namespace Vigil.Onvif.Discovery.Ssdp;

/// <summary>The M-SEARCH request (UPnP Device Architecture 2.0, section 1.3.2).</summary>
public static class SsdpSearch
{
    public const int Port = 1900;

    /// <summary>
    /// Searches for root devices: one answer per device, where ssdp:all would bring one per embedded
    /// device and service. MX is 1 s so that devices answer inside a short scan.
    /// </summary>
    public static byte[] Write(string host, string searchTarget = "upnp:rootdevice") =>
        Encoding.ASCII.GetBytes(
            "M-SEARCH * HTTP/1.1\r\n" +
            $"HOST: {host}\r\n" +
            "MAN: \"ssdp:discover\"\r\n" +
            "MX: 1\r\n" +
            $"ST: {searchTarget}\r\n" +
            "USER-AGENT: Linux/1 UPnP/1.1 vigil-scan/1\r\n" +
            "\r\n");
}
