using System.Text;

namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>
/// The Probe Vigil sends: SOAP 1.2, discovery 2005/04, as ONVIF Core (section 7.3) requires of a
/// client. Its MessageID is what a ProbeMatch must name in RelatesTo.
/// </summary>
public static class WsdProbe
{
    /// <summary>The two ONVIF device types. Types in one Probe are ANDed, so each gets its own Probe.</summary>
    public static readonly (string Prefix, string Namespace, string Name)[] OnvifTypes =
    [
        ("dn", WsdNamespaces.OnvifNetwork, "NetworkVideoTransmitter"),
        ("tds", WsdNamespaces.OnvifDevice, "Device"),
    ];

    public static byte[] Write(string messageId, (string Prefix, string Namespace, string Name) type) =>
        Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>" +
            $"<s:Envelope xmlns:s=\"{WsdNamespaces.Soap12}\" xmlns:a=\"{WsdNamespaces.Addressing200408}\" " +
            $"xmlns:d=\"{WsdNamespaces.Discovery200504}\" xmlns:{type.Prefix}=\"{type.Namespace}\">" +
            "<s:Header>" +
            $"<a:MessageID>{messageId}</a:MessageID>" +
            "<a:To s:mustUnderstand=\"true\">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>" +
            $"<a:Action s:mustUnderstand=\"true\">{WsdNamespaces.Discovery200504}/Probe</a:Action>" +
            "</s:Header>" +
            $"<s:Body><d:Probe><d:Types>{type.Prefix}:{type.Name}</d:Types></d:Probe></s:Body>" +
            "</s:Envelope>");

    public static string NewMessageId() => "urn:uuid:" + Guid.NewGuid().ToString("D");
}
