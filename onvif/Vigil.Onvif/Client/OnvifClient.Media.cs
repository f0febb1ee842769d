namespace Vigil.Onvif.Client;

/// <summary>Media (ver10) and Media2 (ver20): profiles and the RTSP and snapshot addresses of each.</summary>
public sealed partial class OnvifClient
{
    public Task<List<MediaProfile>> GetProfilesAsync(Uri media, CancellationToken ct = default) =>
        CallAsync(media, SoapRequest.Of(OnvifNamespaces.Media, "GetProfiles"), MediaProfile.ReadProfiles, authenticate: true, ct);

    /// <summary>Media2 lists configurations only for the types asked; "All" asks for every one.</summary>
    public Task<List<MediaProfile>> GetProfiles2Async(Uri media2, CancellationToken ct = default) =>
        CallAsync(media2, SoapRequest.Of(OnvifNamespaces.Media2, "GetProfiles", SoapParameter.Text("Type", "All")), MediaProfile.ReadProfiles, authenticate: true, ct);

    /// <summary>The RTSP address of a profile: RTP unicast over RTSP (Media 5.16.1).</summary>
    public Task<string?> GetStreamUriAsync(Uri media, string profileToken, CancellationToken ct = default) =>
        CallAsync(
            media,
            SoapRequest.Of(
                OnvifNamespaces.Media,
                "GetStreamUri",
                SoapParameter.Group(
                    "StreamSetup",
                    SoapParameter.SchemaText("Stream", "RTP-Unicast"),
                    SoapParameter.SchemaGroup("Transport", SoapParameter.SchemaText("Protocol", "RTSP"))),
                SoapParameter.Text("ProfileToken", profileToken)),
            MediaProfile.ReadUri,
            authenticate: true,
            ct);

    public Task<string?> GetStreamUri2Async(Uri media2, string profileToken, CancellationToken ct = default) =>
        CallAsync(
            media2,
            SoapRequest.Of(OnvifNamespaces.Media2, "GetStreamUri", SoapParameter.Text("Protocol", "RtspUnicast"), SoapParameter.Text("ProfileToken", profileToken)),
            MediaProfile.ReadUri,
            authenticate: true,
            ct);

    public Task<string?> GetSnapshotUriAsync(Uri media, string profileToken, CancellationToken ct = default) =>
        CallAsync(media, SoapRequest.Of(OnvifNamespaces.Media, "GetSnapshotUri", SoapParameter.Text("ProfileToken", profileToken)), MediaProfile.ReadUri, authenticate: true, ct);

    public Task<string?> GetSnapshotUri2Async(Uri media2, string profileToken, CancellationToken ct = default) =>
        CallAsync(media2, SoapRequest.Of(OnvifNamespaces.Media2, "GetSnapshotUri", SoapParameter.Text("ProfileToken", profileToken)), MediaProfile.ReadUri, authenticate: true, ct);
}
