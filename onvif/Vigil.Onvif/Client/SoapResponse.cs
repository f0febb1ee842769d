using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// Opens a SOAP answer (1.2, or 1.1 from old firmware) and positions a reader on the first
/// element of its body, or turns a SOAP fault into an <see cref="OnvifException"/>.
/// </summary>
public static class SoapResponse
{
    private const string Soap11 = "http://schemas.xmlsoap.org/soap/envelope/";

    /// <summary>
    /// Runs <paramref name="read"/> on the body's first element. Malformed, truncated or oversized
    /// XML and DTDs become <see cref="OnvifErrorKind.BadResponse"/>.
    /// </summary>
    public static T Read<T>(ReadOnlyMemory<byte> body, string operation, Func<XmlReader, T> read)
    {
        try
        {
            using var r = SafeXml.Open(body, body.Length + 1L);
            if (r.MoveToContent() != XmlNodeType.Element || r.LocalName != "Envelope" || r.NamespaceURI is not (OnvifNamespaces.Soap12 or Soap11))
            {
                throw new OnvifException(OnvifErrorKind.BadResponse, $"{operation}: the answer is not a SOAP envelope");
            }
            var soap = r.NamespaceURI;
            foreach (var part in XmlReading.Children(r))
            {
                if (part.LocalName != "Body" || part.NamespaceURI != soap)
                {
                    continue;
                }
                foreach (var element in XmlReading.Children(part))
                {
                    if (element.LocalName == "Fault" && element.NamespaceURI == soap)
                    {
                        throw ReadFault(element, operation);
                    }
                    var result = read(element);
                    // Read to the end: a truncated or malformed answer is refused even when
                    // what the caller wanted came before the break.
                    while (r.Read())
                    {
                    }
                    return result;
                }
            }
            throw new OnvifException(OnvifErrorKind.BadResponse, $"{operation}: the SOAP body is empty");
        }
        catch (XmlException e)
        {
            throw new OnvifException(OnvifErrorKind.BadResponse, $"{operation}: {SafeXml.Describe(e)}", e);
        }
    }

    /// <summary>
    /// A fault's code, subcode and reason (SOAP 1.2 section 5.4; faultcode/faultstring in 1.1).
    /// ONVIF puts ter:NotAuthorized in the subcode when credentials are missing or wrong.
    /// </summary>
    private static OnvifException ReadFault(XmlReader r, string operation)
    {
        var codes = new List<string>();
        string? reason = null;
        void Walk(XmlReader x)
        {
            foreach (var c in XmlReading.Children(x))
            {
                switch (c.LocalName)
                {
                    case "Value" or "faultcode":
                        codes.Add(XmlReading.ReadText(c, 256));
                        break;
                    case "Text" or "faultstring":
                        reason ??= XmlReading.ReadText(c, 512);
                        break;
                    case "Code" or "Subcode" or "Reason":
                        Walk(c);
                        break;
                }
            }
        }
        Walk(r);
        var notAuthorized = codes.Any(c => c.EndsWith("NotAuthorized", StringComparison.OrdinalIgnoreCase) || c.EndsWith("FailedAuthentication", StringComparison.OrdinalIgnoreCase))
            || reason?.Contains("not authorized", StringComparison.OrdinalIgnoreCase) == true;
        var code = codes.LastOrDefault();
        return new OnvifException(
            notAuthorized ? OnvifErrorKind.NotAuthorized : OnvifErrorKind.Fault,
            $"{operation}: SOAP fault {code}{(reason is null ? "" : ": " + reason)}")
        { FaultCode = code };
    }
}
