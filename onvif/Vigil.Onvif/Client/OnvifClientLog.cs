using Microsoft.Extensions.Logging;

namespace Vigil.Onvif.Client;

/// <summary>The ONVIF client's log events. No password, digest or nonce is ever an argument.</summary>
internal static partial class OnvifClientLog
{
    [LoggerMessage(100, LogLevel.Debug, "{Device}: HTTP Digest challenge ({Algorithm}), answering it")]
    public static partial void DigestChallenge(ILogger logger, string device, string algorithm);

    [LoggerMessage(101, LogLevel.Debug, "{Device}: device clock is {Seconds:0.###} s from ours")]
    public static partial void ClockOffset(ILogger logger, string device, double seconds);
}
