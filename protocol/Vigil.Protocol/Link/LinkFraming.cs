using System.Buffers.Binary;

namespace Vigil.Protocol.Link;

/// <summary>
/// The outer framing of the relay link: a 2-byte big-endian length, then that many bytes of a
/// Noise message (a handshake message, or a transport message of ciphertext and a 16-byte tag).
/// </summary>
public static class LinkFraming
{
    public const int HeaderLength = 2;

    /// <summary>The largest Noise message (Noise §3), and so the largest frame body.</summary>
    public const int MaxFrameLength = 65535;

    public const int TagLength = 16;

    /// <summary>The largest plaintext one transport message carries.</summary>
    public const int MaxPlaintextLength = MaxFrameLength - TagLength;

    /// <summary>Handshake messages are small; anything larger is refused before it is buffered.</summary>
    public const int MaxHandshakeLength = 1024;

    /// <summary>The smallest transport frame: a tag around a mux header.</summary>
    public const int MinTransportLength = TagLength + Mux.MuxFrame.HeaderLength;

    public static void WriteHeader(Span<byte> destination, int length)
    {
        if ((uint)length > MaxFrameLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
    }

    public static int ReadHeader(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt16BigEndian(source);
}
