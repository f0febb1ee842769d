namespace Vigil.Protocol.Mux;

/// <summary>The kinds of mux frame carried in one transport message (docs/protocol.md, "Mux frames").</summary>
public enum MuxFrameType : byte
{
    /// <summary>Stream bytes; counts against the receiver's window.</summary>
    Data = 1,

    /// <summary>Credit: the receiver consumed bytes and the sender may send this many more.</summary>
    Window = 2,

    /// <summary>Open a stream to a local port of the agent.</summary>
    Open = 3,

    /// <summary>The stream is open.</summary>
    OpenOk = 4,

    /// <summary>The sender will send no more data on the stream (half-close).</summary>
    Close = 5,

    /// <summary>The stream is gone, both ways, with an error code and a reason.</summary>
    Reset = 6,

    /// <summary>Heartbeat request on stream 0.</summary>
    Ping = 7,

    /// <summary>Heartbeat answer on stream 0, echoing the ping's 8 bytes.</summary>
    Pong = 8,

    /// <summary>A control message on stream 0: one compact JSON object.</summary>
    Control = 9,
}
