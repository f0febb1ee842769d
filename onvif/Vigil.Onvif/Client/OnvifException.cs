namespace Vigil.Onvif.Client;

/// <summary>Why an ONVIF call failed, in the terms a user can act on.</summary>
public enum OnvifErrorKind
{
    /// <summary>No connection, reset, timeout.</summary>
    Transport,
    /// <summary>The device refused the credentials, or wants some and none were given.</summary>
    NotAuthorized,
    /// <summary>The device answered with a SOAP fault other than an authorization one.</summary>
    Fault,
    /// <summary>The answer was not the XML it should be (malformed, truncated, a DTD, too large).</summary>
    BadResponse,
}

/// <summary>
/// A failed ONVIF call. The message says what happened without secrets: no password, no digest,
/// no nonce.
/// </summary>
public sealed class OnvifException : Exception
{
    public OnvifException(OnvifErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public OnvifException()
        : this(OnvifErrorKind.Fault, "ONVIF call failed")
    {
    }

    public OnvifException(string message)
        : this(OnvifErrorKind.Fault, message)
    {
    }

    public OnvifException(string message, Exception inner)
        : this(OnvifErrorKind.Fault, message, inner)
    {
    }

    public OnvifErrorKind Kind { get; }

    /// <summary>The SOAP fault's subcode ("ter:NotAuthorized") when the device sent one.</summary>
    public string? FaultCode { get; init; }
}
