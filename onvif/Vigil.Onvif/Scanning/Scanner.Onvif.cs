namespace Vigil.Onvif.Scanning;

/// <summary>The ONVIF questions a scan asks each device it finds, while it goes on listening.</summary>
public sealed partial class Scanner
{
    private async Task QueryOnvifAsync(DeviceRecord device, CancellationToken ct)
    {
        List<Uri> xaddrs = [];
        System.Net.IPAddress address = System.Net.IPAddress.None;
        _registry.Update(device, r =>
        {
            xaddrs = [.. r.XAddrs];
            address = r.Addresses[0];
        });
        OnvifQueryOutcome outcome;
        try
        {
            outcome = await OnvifDeviceQuery.RunAsync(_http, xaddrs, _options.Credentials, _options.Client, _logger, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = new OnvifQueryOutcome(null, null, [], "the scan ended before the device answered");
        }
        if (outcome.Error is not null)
        {
            ScanLog.OnvifQueryFailed(_logger, address, outcome.Error);
        }
        _registry.Update(device, r =>
        {
            if (outcome.Answered is not null)
            {
                r.Protocols |= ScanProtocols.Onvif;
                r.OnvifAddress = outcome.Answered;
            }
            if (outcome.Information is { } info)
            {
                r.FromOnvif.Fill(info.Manufacturer, info.Model, info.SerialNumber, info.FirmwareVersion, hardwareId: info.HardwareId);
            }
            r.Streams = outcome.Streams;
            r.OnvifError = outcome.Error;
        });
    }
}
