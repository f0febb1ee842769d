using System.Globalization;
using System.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// The PTZ service (ONVIF PTZ Service Specification, ver20 WSDL): continuous move and stop,
/// relative zoom, presets and home, always on a media profile that carries a PTZ configuration.
/// Velocities and translations are in the generic spaces, each component -1 to 1.
/// </summary>
public sealed partial class OnvifClient
{
    public const string PtzNamespace = "http://www.onvif.org/ver20/ptz/wsdl";

    /// <summary>
    /// Starts moving at <paramref name="velocity"/> (PTZ 5.3.3). The device should stop by itself
    /// after <paramref name="timeout"/>; not every firmware does, so callers also send Stop.
    /// </summary>
    public Task ContinuousMoveAsync(Uri ptz, string profileToken, PtzVector velocity, TimeSpan timeout, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(
                PtzNamespace,
                "ContinuousMove",
                SoapParameter.Text("ProfileToken", profileToken),
                SoapParameter.Group("Velocity", Vector(velocity)),
                SoapParameter.Text("Timeout", XmlConvert.ToString(timeout))),
            IgnoreBody,
            authenticate: true,
            ct);

    /// <summary>Stops pan, tilt and zoom alike (PTZ 5.3.5).</summary>
    public Task StopAsync(Uri ptz, string profileToken, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(PtzNamespace, "Stop", SoapParameter.Text("ProfileToken", profileToken), SoapParameter.Text("PanTilt", "true"), SoapParameter.Text("Zoom", "true")),
            IgnoreBody,
            authenticate: true,
            ct);

    /// <summary>Zooms by a step (PTZ 5.3.2), pan and tilt untouched: only a Zoom in the Translation.</summary>
    public Task RelativeZoomAsync(Uri ptz, string profileToken, double step, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(
                PtzNamespace,
                "RelativeMove",
                SoapParameter.Text("ProfileToken", profileToken),
                SoapParameter.Group("Translation", Zoom(step))),
            IgnoreBody,
            authenticate: true,
            ct);

    public Task<List<PtzPreset>> GetPresetsAsync(Uri ptz, string profileToken, CancellationToken ct = default) =>
        CallAsync(ptz, SoapRequest.Of(PtzNamespace, "GetPresets", SoapParameter.Text("ProfileToken", profileToken)), PtzPreset.ReadPresets, authenticate: true, ct);

    public Task GotoPresetAsync(Uri ptz, string profileToken, string presetToken, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(PtzNamespace, "GotoPreset", SoapParameter.Text("ProfileToken", profileToken), SoapParameter.Text("PresetToken", presetToken)),
            IgnoreBody,
            authenticate: true,
            ct);

    /// <summary>Saves the current position: as a new preset, or over <paramref name="presetToken"/>. Answers the preset's token.</summary>
    public Task<string> SetPresetAsync(Uri ptz, string profileToken, string name, string? presetToken, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(
                PtzNamespace,
                "SetPreset",
                [
                    SoapParameter.Text("ProfileToken", profileToken),
                    SoapParameter.Text("PresetName", name),
                    .. presetToken is null ? Array.Empty<SoapParameter>() : [SoapParameter.Text("PresetToken", presetToken)],
                ]),
            PtzPreset.ReadToken,
            authenticate: true,
            ct);

    public Task RemovePresetAsync(Uri ptz, string profileToken, string presetToken, CancellationToken ct = default) =>
        CallAsync(
            ptz,
            SoapRequest.Of(PtzNamespace, "RemovePreset", SoapParameter.Text("ProfileToken", profileToken), SoapParameter.Text("PresetToken", presetToken)),
            IgnoreBody,
            authenticate: true,
            ct);

    public Task GotoHomePositionAsync(Uri ptz, string profileToken, CancellationToken ct = default) =>
        CallAsync(ptz, SoapRequest.Of(PtzNamespace, "GotoHomePosition", SoapParameter.Text("ProfileToken", profileToken)), IgnoreBody, authenticate: true, ct);

    /// <summary>Where the device says it points now, when it says.</summary>
    public Task<PtzVector?> GetPtzStatusAsync(Uri ptz, string profileToken, CancellationToken ct = default) =>
        CallAsync(ptz, SoapRequest.Of(PtzNamespace, "GetStatus", SoapParameter.Text("ProfileToken", profileToken)), PtzPreset.ReadStatus, authenticate: true, ct);

    private static bool IgnoreBody(XmlReader r) => true;

    private static SoapParameter[] Vector(PtzVector v) =>
    [
        new SoapParameter("PanTilt", null, [], InSchema: true, [new("x", Format(v.Pan)), new("y", Format(v.Tilt))]),
        .. Zoom(v.Zoom),
    ];

    private static SoapParameter[] Zoom(double x) => [new SoapParameter("Zoom", null, [], InSchema: true, [new("x", Format(x))])];

    private static string Format(double x) => x.ToString("0.####", CultureInfo.InvariantCulture);
}
