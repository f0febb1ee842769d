namespace Vigil.Onvif.Client;

/// <summary>Limits and behaviour of <see cref="OnvifClient"/>.</summary>
public sealed class OnvifClientOptions
{
    /// <summary>
    /// The largest SOAP answer read. Real GetProfiles answers of multi-channel devices reach a few
    /// hundred KiB; anything past this is refused, so a hostile device cannot make the client hold
    /// megabytes.
    /// </summary>
    public int MaxResponseBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Each request, from sending to the last byte of the answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Service addresses (media, media2) that the device reports are moved onto the scheme, host
    /// and port the client reached its device service at, keeping their path. Devices report the
    /// address they believe they have, which is wrong behind NAT, through a tunnel or a port
    /// forward, and 0.0.0.0 on some firmware.
    /// </summary>
    public bool RebaseServiceAddresses { get; init; } = true;
}
