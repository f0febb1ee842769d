namespace Vigil.Protocol.Link;

/// <summary>
/// Eight clear bytes an agent sends before its first handshake message: "VIGIL", a zero, the link
/// version and a reserved zero. A relay reads the version before it spends anything on Noise, and
/// the same bytes are bound into the handshake as part of the prologue, so a man in the middle
/// cannot downgrade the version without breaking the handshake.
/// </summary>
public static class LinkPreamble
{
    public const int Length = 8;
    public const byte CurrentVersion = 1;

    private static ReadOnlySpan<byte> Magic => "VIGIL\0"u8;
    private static ReadOnlySpan<byte> PrologueLabel => "vigil relay link"u8;

    public static void Write(Span<byte> destination, byte version = CurrentVersion)
    {
        Magic.CopyTo(destination);
        destination[6] = version;
        destination[7] = 0;
    }

    /// <summary>Checks the preamble; returns the version, or an error naming what is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out byte version, out string? error)
    {
        version = 0;
        if (source.Length < Length || !source[..6].SequenceEqual(Magic))
        {
            error = "bad_preamble";
            return false;
        }
        version = source[6];
        if (version != CurrentVersion || source[7] != 0)
        {
            error = "unsupported_version";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>The Noise prologue: a fixed label followed by the preamble as sent.</summary>
    public static byte[] Prologue(ReadOnlySpan<byte> preamble)
    {
        var prologue = new byte[PrologueLabel.Length + Length];
        PrologueLabel.CopyTo(prologue);
        preamble[..Length].CopyTo(prologue.AsSpan(PrologueLabel.Length));
        return prologue;
    }
}
