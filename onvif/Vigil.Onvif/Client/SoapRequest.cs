using System.Text;
using System.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// One SOAP 1.2 request: the operation in its service namespace with its parameters, and a
/// WS-Security header when a token is given. Written with XmlWriter, so user-given text (a
/// profile token, a user name) is always escaped.
/// </summary>
public sealed record SoapRequest(string Namespace, string Operation, IReadOnlyList<SoapParameter> Parameters)
{
    public string Action => $"{Namespace}/{Operation}";

    public static SoapRequest Of(string ns, string operation, params SoapParameter[] parameters) => new(ns, operation, parameters);

    public byte[] Write(UsernameToken? token)
    {
        using var stream = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = false };
        using (var w = XmlWriter.Create(stream, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("s", "Envelope", OnvifNamespaces.Soap12);
            if (token is not null)
            {
                w.WriteStartElement("s", "Header", OnvifNamespaces.Soap12);
                w.WriteStartElement("wsse", "Security", UsernameToken.SecurityNamespace);
                w.WriteAttributeString("s", "mustUnderstand", OnvifNamespaces.Soap12, "1");
                w.WriteStartElement("wsse", "UsernameToken", UsernameToken.SecurityNamespace);
                w.WriteElementString("wsse", "Username", UsernameToken.SecurityNamespace, token.Username);
                w.WriteStartElement("wsse", "Password", UsernameToken.SecurityNamespace);
                w.WriteAttributeString("Type", UsernameToken.DigestType);
                w.WriteString(token.PasswordDigest);
                w.WriteEndElement();
                w.WriteStartElement("wsse", "Nonce", UsernameToken.SecurityNamespace);
                w.WriteAttributeString("EncodingType", UsernameToken.Base64Encoding);
                w.WriteString(token.Nonce);
                w.WriteEndElement();
                w.WriteElementString("wsu", "Created", UsernameToken.UtilityNamespace, token.Created);
                w.WriteEndElement();
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteStartElement("s", "Body", OnvifNamespaces.Soap12);
            w.WriteStartElement(Operation, Namespace);
            foreach (var p in Parameters)
            {
                p.Write(w, Namespace);
            }
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return stream.ToArray();
    }
}

/// <summary>
/// A request parameter: an element in the operation's namespace (or the schema's) with text or child
/// parameters, and attributes where the schema puts values in them (PTZ vectors: &lt;tt:PanTilt x="0.5" y="0"/&gt;).
/// </summary>
public sealed record SoapParameter(string Name, string? Value, IReadOnlyList<SoapParameter> Children, bool InSchema = false, IReadOnlyList<KeyValuePair<string, string>>? Attributes = null)
{
    public static SoapParameter Text(string name, string value) => new(name, value, []);

    public static SoapParameter SchemaText(string name, string value) => new(name, value, [], InSchema: true);

    public static SoapParameter Group(string name, params SoapParameter[] children) => new(name, null, children);

    public static SoapParameter SchemaGroup(string name, params SoapParameter[] children) => new(name, null, children, InSchema: true);

    internal void Write(XmlWriter w, string serviceNamespace)
    {
        w.WriteStartElement(Name, InSchema ? OnvifNamespaces.Schema : serviceNamespace);
        foreach (var (k, v) in Attributes ?? [])
        {
            w.WriteAttributeString(k, v);
        }
        if (Value is not null)
        {
            w.WriteString(Value);
        }
        foreach (var c in Children)
        {
            c.Write(w, serviceNamespace);
        }
        w.WriteEndElement();
    }
}
