using System.Buffers.Binary;

namespace Vigil.Protocol.Mux;

/// <summary>
/// One mux frame, the plaintext of one transport message: type (1 byte), flags (1 byte, zero in
/// version 1), stream id (4 bytes, big-endian), then a body whose shape the type fixes.
/// </summary>
public readonly ref struct MuxFrame
{
    public const int HeaderLength = 6;
    public const int MaxBodyLength = Link.LinkFraming.MaxPlaintextLength - HeaderLength;

    /// <summary>Control messages are small; a larger one is a protocol error.</summary>
    public const int MaxControlLength = 16 * 1024;

    public const int PingLength = 8;

    public MuxFrame(MuxFrameType type, uint streamId, ReadOnlySpan<byte> body)
    {
        Type = type;
        StreamId = streamId;
        Body = body;
    }

    public MuxFrameType Type { get; }
    public uint StreamId { get; }
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>The window increment of a <see cref="MuxFrameType.Window"/> frame.</summary>
    public uint WindowIncrement => BinaryPrimitives.ReadUInt32BigEndian(Body);

    /// <summary>The target port of an <see cref="MuxFrameType.Open"/> frame.</summary>
    public ushort OpenPort => BinaryPrimitives.ReadUInt16BigEndian(Body);

    /// <summary>The error code of a <see cref="MuxFrameType.Reset"/> frame.</summary>
    public MuxError ResetCode => (MuxError)BinaryPrimitives.ReadUInt16BigEndian(Body);

    /// <summary>The reason text of a <see cref="MuxFrameType.Reset"/> frame.</summary>
    public ReadOnlySpan<byte> ResetReason => Body[2..];

    /// <summary>
    /// Parses and validates a frame. Every length and every field is checked here, so handlers
    /// downstream can trust the shape. Returns false with a short reason for the metrics.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> plaintext, out MuxFrame frame, out string? error)
    {
        frame = default;
        if (plaintext.Length < HeaderLength)
        {
            error = "short_frame";
            return false;
        }
        var type = (MuxFrameType)plaintext[0];
        var flags = plaintext[1];
        var stream = BinaryPrimitives.ReadUInt32BigEndian(plaintext[2..]);
        var body = plaintext[HeaderLength..];
        if (flags != 0)
        {
            error = "bad_flags";
            return false;
        }
        error = type switch
        {
            MuxFrameType.Data => stream == 0 ? "data_on_stream_0" : null,
            MuxFrameType.Window => stream == 0 ? "window_on_stream_0" : body.Length != 4 || BinaryPrimitives.ReadUInt32BigEndian(body) == 0 ? "bad_window" : null,
            MuxFrameType.Open => stream == 0 ? "open_stream_0" : body.Length != 2 ? "bad_open" : null,
            MuxFrameType.OpenOk or MuxFrameType.Close => stream == 0 ? "bad_stream" : body.Length != 0 ? "bad_body" : null,
            MuxFrameType.Reset => stream == 0 ? "bad_stream" : body.Length < 2 || body.Length > 258 ? "bad_reset" : null,
            MuxFrameType.Ping or MuxFrameType.Pong => stream != 0 ? "ping_off_stream_0" : body.Length != PingLength ? "bad_ping" : null,
            MuxFrameType.Control => stream != 0 ? "control_off_stream_0" : body.Length == 0 || body.Length > MaxControlLength ? "bad_control_length" : null,
            _ => "unknown_frame_type",
        };
        if (error is not null)
        {
            return false;
        }
        frame = new MuxFrame(type, stream, body);
        return true;
    }

    /// <summary>Writes a header; the body goes after it. Returns the header length.</summary>
    public static int WriteHeader(Span<byte> destination, MuxFrameType type, uint streamId)
    {
        destination[0] = (byte)type;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], streamId);
        return HeaderLength;
    }
}
