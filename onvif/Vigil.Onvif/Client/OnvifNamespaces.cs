namespace Vigil.Onvif.Client;

/// <summary>The ONVIF service namespaces this client speaks (ONVIF Core and Media specifications).</summary>
public static class OnvifNamespaces
{
    public const string Device = "http://www.onvif.org/ver10/device/wsdl";
    public const string Media = "http://www.onvif.org/ver10/media/wsdl";
    public const string Media2 = "http://www.onvif.org/ver20/media/wsdl";
    public const string Schema = "http://www.onvif.org/ver10/schema";
    public const string Soap12 = "http://www.w3.org/2003/05/soap-envelope";
}
