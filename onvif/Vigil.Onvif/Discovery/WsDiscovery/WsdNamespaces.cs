namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>
/// The namespaces a WS-Discovery message may come in. ONVIF mandates the 2005/04 draft with
/// WS-Addressing 2004/08 over SOAP 1.2; devices built on WS-Discovery 1.1 use 2009/01 with
/// WS-Addressing 1.0, and some old stacks still answer in SOAP 1.1.
/// </summary>
public static class WsdNamespaces
{
    public const string Soap12 = "http://www.w3.org/2003/05/soap-envelope";
    public const string Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string Discovery200504 = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
    public const string Discovery200901 = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01";
    public const string Addressing200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
    public const string Addressing200508 = "http://www.w3.org/2005/08/addressing";
    public const string OnvifNetwork = "http://www.onvif.org/ver10/network/wsdl";
    public const string OnvifDevice = "http://www.onvif.org/ver10/device/wsdl";

    public static bool IsSoap(string ns) => ns is Soap12 or Soap11;

    public static bool IsDiscovery(string ns) => ns is Discovery200504 or Discovery200901;

    public static bool IsAddressing(string ns) => ns is Addressing200408 or Addressing200508;
}
