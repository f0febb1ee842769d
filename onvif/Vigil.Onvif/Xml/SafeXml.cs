using System.Xml;

namespace Vigil.Onvif.Xml;

/// <summary>
/// The only way Vigil opens XML. Devices on a LAN are not trusted: a DOCTYPE is refused outright
/// (no entity expansion, no external entity, no network fetch), nothing is resolved, and the
/// document is capped in characters so that a 10 MB reply cannot become a 10 MB string.
/// </summary>
public static class SafeXml
{
    public static XmlReaderSettings Settings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        // DTDs are prohibited, so no entity can be declared; this is the second lock on that door.
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    /// <summary>A reader over bytes already in memory (a datagram, a capped HTTP body).</summary>
    public static XmlReader Open(ReadOnlyMemory<byte> document, long maxCharacters)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(document, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(document.ToArray(), writable: false);
        return XmlReader.Create(stream, Settings(maxCharacters));
    }

    /// <summary>
    /// A short, loggable reason for a refused document. The text comes from the framework's own
    /// messages, which are English under InvariantGlobalization.
    /// </summary>
    public static string Describe(XmlException e)
    {
        var m = e.Message;
        if (m.Contains("DTD", StringComparison.Ordinal))
        {
            return "DTD prohibited";
        }
        if (m.Contains("MaxCharactersInDocument", StringComparison.Ordinal) || m.Contains("MaxCharactersFromEntities", StringComparison.Ordinal))
        {
            return "document exceeds the size limit";
        }
        if (m.Contains("Unexpected end of file", StringComparison.Ordinal) || m.Contains("end of file", StringComparison.OrdinalIgnoreCase))
        {
            return $"truncated XML (line {e.LineNumber})";
        }
        return $"malformed XML (line {e.LineNumber}, position {e.LinePosition})";
    }
}
