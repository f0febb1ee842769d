using System.Text;
using System.Xml;

namespace Vigil.Onvif.Xml;

/// <summary>Small steps over an <see cref="XmlReader"/> that every SOAP parser here repeats.</summary>
internal static class XmlReading
{
    /// <summary>
    /// The text of the element the reader is on, trimmed, capped at <paramref name="maxLength"/>
    /// characters; leaves the reader after the element. Child elements are skipped, not an error:
    /// vendors add extensions where the schema has a plain value.
    /// </summary>
    public static string ReadText(XmlReader r, int maxLength = 4096)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return "";
        }
        var depth = r.Depth;
        StringBuilder? text = null;
        r.Read();
        while (!(r.NodeType == XmlNodeType.EndElement && r.Depth == depth) && !r.EOF)
        {
            if (r.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace && r.Depth == depth + 1)
            {
                text ??= new StringBuilder();
                if (text.Length < maxLength)
                {
                    var v = r.Value;
                    text.Append(v, 0, Math.Min(v.Length, maxLength - text.Length));
                }
            }
            r.Read();
        }
        r.Read();
        return text?.ToString().Trim() ?? "";
    }

    /// <summary>
    /// The child elements of the element the reader is on, one at a time; the caller reads or
    /// skips each. A child the caller left untouched is skipped here, so a forgotten case cannot
    /// loop. After the last child the reader is past the parent's end tag.
    /// </summary>
    public static IEnumerable<XmlReader> Children(XmlReader r)
    {
        var depth = r.Depth;
        if (r.IsEmptyElement)
        {
            r.Read();
            yield break;
        }
        r.Read();
        var info = r as IXmlLineInfo;
        while (!r.EOF)
        {
            if (r.NodeType == XmlNodeType.EndElement && r.Depth == depth)
            {
                r.Read();
                yield break;
            }
            if (r.NodeType != XmlNodeType.Element || r.Depth != depth + 1)
            {
                r.Read();
                continue;
            }
            var (line, position) = (info?.LineNumber ?? 0, info?.LinePosition ?? 0);
            yield return r;
            if (r.NodeType == XmlNodeType.Element && r.Depth == depth + 1 && info?.LineNumber == line && info.LinePosition == position)
            {
                r.Skip();
            }
        }
    }

    /// <summary>Splits an xs:list value (whitespace-separated) into at most <paramref name="max"/> items.</summary>
    public static List<string> SplitList(string value, int max)
    {
        var items = new List<string>();
        foreach (var part in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (items.Count == max)
            {
                break;
            }
            items.Add(part);
        }
        return items;
    }
}
