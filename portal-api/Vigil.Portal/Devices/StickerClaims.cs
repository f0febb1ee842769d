using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Relays;

namespace Vigil.Portal.Devices;

/// <summary>
/// An end user proves possession with the sticker's serial and PIN: the device the sticker is tied
/// to (by key, see <see cref="StickerClaim"/>) is approved, and a private camera owned by the user
/// is made and bound to it. The first claim ties a sticker that was tied to no key to the claimed
/// device's key, so no other key reporting the serial can be bound with it later. Attempts are
/// throttled like logins, so a PIN cannot be guessed by brute force.
/// </summary>
public sealed class StickerClaims(DeviceStore devices, CameraStore cameras, CameraPlacement placement, DeviceApproval approval, LoginThrottle throttle,
    ILogger<StickerClaims> log)
{
    public async Task<Camera> ClaimAsync(Caller caller, string serial, string pin, string? fingerprint, string address, CancellationToken ct)
    {
        var key = "claim:" + serial;
        var verdict = throttle.Check(key, address);
        if (verdict.RetryAfter > 0)
        {
            throw new DeviceRefusal(DeviceRefusalKind.Throttled, $"too many wrong PINs; try again in {verdict.RetryAfter} s");
        }
        await Task.Delay(verdict.Delay, ct).ConfigureAwait(false);
        var sticker = await devices.StickerAsync(serial).ConfigureAwait(false);
        if (sticker is null || !PasswordHasher.Verify(pin, sticker.PinHash))
        {
            throttle.Failed(key, address);
            throw new DeviceRefusal(DeviceRefusalKind.WrongProof, "wrong serial or PIN");
        }
        throttle.Succeeded(key, address);
        var device = StickerClaim.Choose(sticker, await devices.WithSerialAsync(serial).ConfigureAwait(false), fingerprint);
        if (device.ClaimedBy is { } owner && owner != caller.UserId)
        {
            throw DeviceRefusal.Conflict("this camera is claimed by another account");
        }
        if (device.State is DeviceStates.Revoked or DeviceStates.Rejected)
        {
            throw DeviceRefusal.Conflict($"this camera was {device.State} by the operator");
        }
        if (sticker.Fingerprint.Length == 0 && !await devices.TieStickerAsync(serial, device.Fingerprint).ConfigureAwait(false)
            && (await devices.StickerAsync(serial).ConfigureAwait(false))?.Fingerprint != device.Fingerprint)
        {
            throw DeviceRefusal.Conflict("this camera's sticker was just tied to another key; try again");
        }
        PortalLog.StickerClaimed(log, serial, device.Id, device.Fingerprint, caller.User!.Login);
        var camera = device.CameraId is { } cid ? await cameras.GetAsync(cid).ConfigureAwait(false) : null;
        camera ??= await PrivateCamera.ForAsync(cameras, device, caller.UserId).ConfigureAwait(false);
        await devices.SetClaimedAsync(device.Id, caller.UserId).ConfigureAwait(false);
        await devices.SetCameraAsync(device.Id, camera.Id).ConfigureAwait(false);
        await placement.PlaceAsync(camera.Id).ConfigureAwait(false);
        await approval.SetStateAsync(device.Id, DeviceStates.Approved, caller.User!.Login, ct).ConfigureAwait(false);
        return (await cameras.GetAsync(camera.Id).ConfigureAwait(false))!;
    }
}
