using System.Globalization;
using Vigil.Portal.Data;

namespace Vigil.Portal.Devices;

/// <summary>
/// Which device a sticker's claim binds. A device is its key, never the serial it reports: anyone who
/// holds the relay's public key can make a key and report any serial. So a sticker tied to a key
/// (recorded at the factory, or at its first claim) binds that key's device alone; a sticker tied to
/// none binds the one device that reports its serial, and when several do the owner is asked to pick
/// by fingerprint instead of the portal guessing. Every refusal says why, for the owner's page.
/// </summary>
public static class StickerClaim
{
    /// <param name="sticker">The sticker whose PIN was just proven.</param>
    /// <param name="reporting">Every device that reported the serial, the first seen first.</param>
    /// <param name="picked">The fingerprint the owner picked, if any (normalised).</param>
    public static Device Choose(Sticker sticker, IReadOnlyList<Device> reporting, string? picked)
    {
        if (sticker.Fingerprint.Length > 0)
        {
            if (picked is not null && picked != sticker.Fingerprint)
            {
                throw DeviceRefusal.Conflict($"this camera's sticker is tied to key {sticker.Fingerprint}, not {picked}");
            }
            return reporting.FirstOrDefault(d => d.Fingerprint == sticker.Fingerprint)
                ?? throw DeviceRefusal.Conflict(reporting.Count == 0
                    ? "this camera has not come online yet: power it on, wait a minute, and try again"
                    : $"this camera (key {sticker.Fingerprint}) has not come online yet; {Others(reporting)} this serial with another key, " +
                      "so it is not this camera and will not be bound: power your camera on and try again");
        }
        if (picked is not null)
        {
            return reporting.FirstOrDefault(d => d.Fingerprint == picked)
                ?? throw DeviceRefusal.Conflict($"no device with key {picked} reports this serial: check the fingerprint, or wait until the camera is online");
        }
        var live = reporting.Where(d => d.State is not (DeviceStates.Revoked or DeviceStates.Rejected)).ToList();
        return live.Count switch
        {
            0 when reporting.Count == 0 => throw DeviceRefusal.Conflict("this camera has not come online yet: power it on, wait a minute, and try again"),
            0 => throw DeviceRefusal.Conflict($"this camera was {reporting[0].State} by the operator"),
            1 => live[0],
            _ => throw DeviceRefusal.Conflict(
                $"{live.Count} devices with different keys report this serial, so the portal cannot tell which is your camera: " +
                string.Join(", ", live.Select(d => $"key {d.Fingerprint} (first seen {Time(d.FirstSeen)})")) +
                ". Enter the key fingerprint of yours (on its installer's label, or ask your installer) to claim it"),
        };
    }

    /// <summary>"cb44:a1e6:...", lowercased and trimmed; null when it is not a key fingerprint (eight groups of four hex digits).</summary>
    public static string? NormalizeFingerprint(string? input)
    {
        var f = input?.Trim().ToLowerInvariant();
        if (f is not { Length: 39 })
        {
            return null;
        }
        for (var i = 0; i < f.Length; i++)
        {
            var ok = i % 5 == 4 ? f[i] == ':' : char.IsAsciiHexDigitLower(f[i]) || char.IsAsciiDigit(f[i]);
            if (!ok)
            {
                return null;
            }
        }
        return f;
    }

    private static string Others(IReadOnlyList<Device> reporting) =>
        reporting.Count == 1 ? "a device reports" : $"{reporting.Count} devices report";

    private static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
