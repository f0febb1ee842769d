namespace Vigil.Protocol.Noise;

/// <summary>
/// A Noise protocol failure: a handshake or transport message that fails authentication, has the
/// wrong length, or arrives in the wrong state. After one is thrown by a <see cref="HandshakeState"/>
/// the handshake must be abandoned (Noise spec rev 34, §5.3: errors are fatal to the session).
/// </summary>
public sealed class NoiseException : Exception
{
    public NoiseException()
    {
    }

    public NoiseException(string message)
        : base(message)
    {
    }

    public NoiseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
