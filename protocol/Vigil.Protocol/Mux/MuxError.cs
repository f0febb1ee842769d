namespace Vigil.Protocol.Mux;

/// <summary>Why a stream was reset (the code of a Reset frame).</summary>
public enum MuxError : ushort
{
    /// <summary>The application closed the stream before its end.</summary>
    Cancel = 1,

    /// <summary>The agent does not allow tunnels to that port.</summary>
    PortNotAllowed = 2,

    /// <summary>Nothing listens on that port, or the connection failed.</summary>
    ConnectFailed = 3,

    /// <summary>The session has as many streams as its memory cap allows.</summary>
    TooManyStreams = 4,

    /// <summary>The peer broke flow control or sent a frame the stream's state forbids.</summary>
    ProtocolError = 5,

    /// <summary>The session is closing.</summary>
    SessionClosed = 6,
}
