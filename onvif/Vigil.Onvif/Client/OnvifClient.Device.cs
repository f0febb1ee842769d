namespace Vigil.Onvif.Client;

/// <summary>The device service: identity and the addresses of the other services.</summary>
public sealed partial class OnvifClient
{
    public Task<DeviceInformation> GetDeviceInformationAsync(CancellationToken ct = default) =>
        CallAsync(DeviceService, SoapRequest.Of(OnvifNamespaces.Device, "GetDeviceInformation"), DeviceInformation.Read, authenticate: true, ct);

    public Task<IReadOnlyList<OnvifService>> GetServicesAsync(CancellationToken ct = default) =>
        ServicesAsync(SoapRequest.Of(OnvifNamespaces.Device, "GetServices", SoapParameter.Text("IncludeCapability", "false")), OnvifService.ReadServices, ct);

    public Task<IReadOnlyList<OnvifService>> GetCapabilitiesAsync(CancellationToken ct = default) =>
        ServicesAsync(SoapRequest.Of(OnvifNamespaces.Device, "GetCapabilities", SoapParameter.Text("Category", "All")), OnvifService.ReadCapabilities, ct);

    /// <summary>
    /// GetServices, or GetCapabilities from a device too old for it (it answers with a fault or
    /// an HTTP error, not an empty list).
    /// </summary>
    public async Task<IReadOnlyList<OnvifService>> DiscoverServicesAsync(CancellationToken ct = default)
    {
        try
        {
            return await GetServicesAsync(ct).ConfigureAwait(false);
        }
        catch (OnvifException e) when (e.Kind is OnvifErrorKind.Fault or OnvifErrorKind.BadResponse)
        {
            return await GetCapabilitiesAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<OnvifService>> ServicesAsync(SoapRequest request, Func<System.Xml.XmlReader, List<OnvifService>> read, CancellationToken ct)
    {
        var services = await CallAsync(DeviceService, request, read, authenticate: true, ct).ConfigureAwait(false);
        return !_options.RebaseServiceAddresses
            ? services
            : services.Select(s => s with
            {
                Address = new UriBuilder(s.Address) { Scheme = DeviceService.Scheme, Host = DeviceService.Host, Port = DeviceService.Port }.Uri,
            }).ToList();
    }
}
