namespace Vigil.Onvif.Scanning;

/// <summary>The ONVIF questions a scan asks each device it finds, while it goes on listening.</summary>
public sealed partial class Scanner
{
    private async Task QueryOnvifAsync(DeviceRecord device, CancellationToken ct)
    {
        List<Uri> own = [], foreign = [];
        System.Net.IPAddress address = System.Net.IPAddress.None;
        _registry.Update(device, r =>
        {
            foreach (var x in r.XAddrs)
            {
                (DeviceRecord.OnOwnHost(x, r.Addresses) ? own : foreign).Add(x);
            }
            address = r.Addresses[0];
        });
        foreach (var x in foreign)
        {
            ScanLog.ForeignXAddr(_logger, address, x.Authority, _options.FollowXAddrs ? "asked without credentials" : "listed, not contacted (--follow-xaddrs asks it)");
        }
        OnvifQueryOutcome outcome;
        try
        {
            // The device's own address with the credentials; another host only when the operator
            // asked, and never with them.
            outcome = await OnvifDeviceQuery.RunAsync(_http, own, _options.Credentials, _options.Client, _logger, ct).ConfigureAwait(false);
            if (outcome.Answered is null && _options.FollowXAddrs && foreign.Count > 0)
            {
                var followed = await OnvifDeviceQuery.RunAsync(_http, foreign, null, _options.Client, _logger, ct).ConfigureAwait(false);
                outcome = followed.Answered is not null || own.Count == 0 ? followed : outcome with { Error = $"{outcome.Error}; {followed.Error}" };
            }
            else if (own.Count == 0)
            {
                outcome = new OnvifQueryOutcome(null, null, [], $"its XAddrs name other hosts ({string.Join(", ", foreign.Select(x => x.Authority))}): not contacted (--follow-xaddrs asks them)");
            }
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
