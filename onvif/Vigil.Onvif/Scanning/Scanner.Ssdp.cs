using System.Net;
using Vigil.Onvif.Client;
using Vigil.Onvif.Discovery.Ssdp;

namespace Vigil.Onvif.Scanning;

/// <summary>SSDP M-SEARCH, and the UPnP description that each answer points to.</summary>
public sealed partial class Scanner
{
    private const int MaxDescriptionBytes = 256 * 1024;
    private static readonly IPEndPoint SsdpGroup4 = new(IPAddress.Parse("239.255.255.250"), SsdpSearch.Port);
    private static readonly IPEndPoint SsdpGroup6 = new(IPAddress.Parse("ff02::c"), SsdpSearch.Port);
    private UdpChannel? _ssdp4;
    private UdpChannel? _ssdp6;

    private void SendSsdpRound()
    {
        SendToGroups(_ssdp4, SsdpGroup4, SsdpSearch.Write("239.255.255.250:1900"), _ssdp6, SsdpGroup6, SsdpSearch.Write("[FF02::C]:1900"));
    }

    private void HandleSsdp(in Datagram d)
    {
        if (!SsdpMessage.TryParse(d.Payload, out var message, out var reason))
        {
            Refuse(d, reason);
            return;
        }
        if (!message.IsSearchResponse)
        {
            return;
        }
        var sender = d.Remote.Address;
        // Only a description on the answering host is fetched: an answer must not be able to make
        // the scanner send requests to some other machine.
        var location = Uri.TryCreate(message.Location, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
            && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var host) && host.Equals(sender) ? uri : null;
        var fetch = false;
        var device = Observe(d, null, r =>
        {
            if (message.Usn is { } usn)
            {
                DeviceRecord.AddCapped(r.Services, usn.Length > 256 ? usn[..256] : usn, DeviceRecord.MaxServices);
            }
            if (location is not null && !r.DescriptionQueued)
            {
                r.DescriptionQueued = fetch = true;
            }
        });
        if (fetch && device is not null)
        {
            _work.Writer.TryWrite(ct => FetchDescriptionAsync(device, sender, location!, ct));
        }
    }

    private async Task FetchDescriptionAsync(DeviceRecord device, IPAddress address, Uri location, CancellationToken ct)
    {
        string? error;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.Client.RequestTimeout);
            using var response = await _http.GetAsync(location, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                error = $"HTTP {(int)response.StatusCode}";
            }
            else if (await CappedBody.ReadAsync(response, MaxDescriptionBytes, timeout.Token).ConfigureAwait(false) is not { } body)
            {
                error = $"larger than {MaxDescriptionBytes} bytes";
            }
            else if (!UpnpDescription.TryParse(body, out var description, out error))
            {
            }
            else
            {
                _registry.Update(device, r => r.FromUpnp.Fill(
                    manufacturer: description.Manufacturer,
                    model: description.ModelName ?? description.ModelNumber,
                    serial: description.SerialNumber,
                    name: description.FriendlyName));
                return;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = "no answer in time";
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (IOException e)
        {
            error = e.Message;
        }
        ScanLog.DescriptionFailed(_logger, address, error ?? "unknown");
    }
}
