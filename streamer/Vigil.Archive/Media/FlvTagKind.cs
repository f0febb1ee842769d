namespace Vigil.Archive.Media;

/// <summary>An FLV tag's type (the low five bits of its first byte; FLV 10.1, E.4.1).</summary>
public enum FlvTagKind : byte
{
    Audio = 8,
    Video = 9,
    Script = 18,
}
