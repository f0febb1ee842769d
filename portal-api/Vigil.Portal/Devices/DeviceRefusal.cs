namespace Vigil.Portal.Devices;

/// <summary>Why a change to a device was refused, in the domain's terms; the endpoints choose the HTTP answer.</summary>
public enum DeviceRefusalKind
{
    /// <summary>The device (or what it names) does not exist.</summary>
    NotFound,

    /// <summary>The request names something that cannot be used, e.g. a camera that does not exist.</summary>
    Invalid,

    /// <summary>The change contradicts the current state: the camera is bound elsewhere, the device is claimed or revoked.</summary>
    Conflict,

    /// <summary>The proof of possession (a sticker's serial and PIN) is wrong.</summary>
    WrongProof,

    /// <summary>Too many wrong proofs from this place; the message says when to try again.</summary>
    Throttled,
}

/// <summary>A change to a device that is refused, with a message meant for the person who asked.</summary>
public sealed class DeviceRefusal(DeviceRefusalKind kind, string message) : Exception(message)
{
    public DeviceRefusalKind Kind { get; } = kind;

    public static DeviceRefusal NotFound(string what) => new(DeviceRefusalKind.NotFound, $"{what} not found");

    public static DeviceRefusal Conflict(string message) => new(DeviceRefusalKind.Conflict, message);
}
