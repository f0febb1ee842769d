using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Vigil.Onvif.Client;

namespace Vigil.Onvif.Scanning;

/// <summary>What asking one device's ONVIF service gave.</summary>
public sealed record OnvifQueryOutcome(Uri? Answered, DeviceInformation? Information, IReadOnlyList<StreamProfile> Streams, string? Error);

/// <summary>
/// The questions a scan asks an ONVIF device, over any <see cref="HttpClient"/>: its identity,
/// and with credentials its clock (for the digest), its services, its profiles (Media2 when it
/// has it, else Media) and each profile's RTSP and snapshot address.
/// </summary>
public static class OnvifDeviceQuery
{
    public static async Task<OnvifQueryOutcome> RunAsync(HttpClient http, IReadOnlyList<Uri> xaddrs, OnvifCredentials? credentials, OnvifClientOptions options, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(xaddrs);
        string? error = null;
        // IPv4 first, then routable IPv6; a link-local XAddr carries no zone and rarely connects.
        foreach (var xaddr in xaddrs.OrderBy(Preference))
        {
            var client = new OnvifClient(http, xaddr, credentials, options, logger);
            try
            {
                return await QueryAsync(client, credentials, ct).ConfigureAwait(false);
            }
            catch (OnvifException e) when (e.Kind is OnvifErrorKind.Transport or OnvifErrorKind.BadResponse)
            {
                // No answer, or an HTTP error or something else than SOAP: whatever listens
                // there is not shown to be an ONVIF service.
                var said = xaddrs.Count > 1 ? $"{xaddr.Authority}: {e.Message}" : e.Message;
                error = error is null ? said : $"{error}; {said}";
            }
            catch (OnvifException e)
            {
                // A SOAP fault, or an HTTP authentication challenge: the service answered, if only
                // to refuse; it is this device's ONVIF address.
                return new OnvifQueryOutcome(xaddr, null, [], Hint(e, credentials));
            }
        }
        return new OnvifQueryOutcome(null, null, [], error ?? "no usable XAddr");
    }

    private static async Task<OnvifQueryOutcome> QueryAsync(OnvifClient client, OnvifCredentials? credentials, CancellationToken ct)
    {
        if (credentials is null)
        {
            var anonymous = await client.GetDeviceInformationAsync(ct).ConfigureAwait(false);
            return new OnvifQueryOutcome(client.DeviceService, anonymous, [], null);
        }
        try
        {
            await client.SyncClockAsync(ct).ConfigureAwait(false);
        }
        catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
        {
            // Without the device's time the token may still pass if the clocks agree; go on.
        }
        var info = await client.GetDeviceInformationAsync(ct).ConfigureAwait(false);
        var services = await client.DiscoverServicesAsync(ct).ConfigureAwait(false);
        var media2 = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media2)?.Address;
        var media = services.FirstOrDefault(s => s.Namespace == OnvifNamespaces.Media)?.Address;
        if (media2 is null && media is null)
        {
            return new OnvifQueryOutcome(client.DeviceService, info, [], "the device lists no media service");
        }
        List<MediaProfile> profiles;
        var useMedia2 = media2 is not null;
        try
        {
            profiles = useMedia2 ? await client.GetProfiles2Async(media2!, ct).ConfigureAwait(false) : await client.GetProfilesAsync(media!, ct).ConfigureAwait(false);
        }
        catch (OnvifException) when (useMedia2 && media is not null)
        {
            // Early Media2 implementations fail where Media works.
            useMedia2 = false;
            profiles = await client.GetProfilesAsync(media, ct).ConfigureAwait(false);
        }
        var streams = new List<StreamProfile>();
        foreach (var p in profiles)
        {
            string? rtsp = null, snapshot = null, problem = null;
            try
            {
                rtsp = useMedia2 ? await client.GetStreamUri2Async(media2!, p.Token, ct).ConfigureAwait(false) : await client.GetStreamUriAsync(media!, p.Token, ct).ConfigureAwait(false);
            }
            catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
            {
                problem = e.Message;
            }
            try
            {
                snapshot = useMedia2 ? await client.GetSnapshotUri2Async(media2!, p.Token, ct).ConfigureAwait(false) : await client.GetSnapshotUriAsync(media!, p.Token, ct).ConfigureAwait(false);
            }
            catch (OnvifException e) when (e.Kind != OnvifErrorKind.Transport)
            {
                // Many cameras have no snapshot service; that is no error of the stream.
            }
            streams.Add(new StreamProfile(p.Token, p.Name, p.VideoEncoding, p.Width, p.Height, WithoutUserInfo(rtsp), WithoutUserInfo(snapshot), problem));
        }
        return new OnvifQueryOutcome(client.DeviceService, info, streams, null);
    }

    /// <summary>
    /// Some firmware puts the account into the stream address (rtsp://admin:secret@...). A scan's
    /// output is shared and kept; the credentials are not, so they are taken out.
    /// </summary>
    public static string? WithoutUserInfo(string? uri) =>
        uri is not null && Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.UserInfo.Length > 0
            ? new UriBuilder(u) { UserName = "", Password = "" }.Uri.ToString()
            : uri;

    private static string Hint(OnvifException e, OnvifCredentials? credentials) =>
        e.Kind == OnvifErrorKind.NotAuthorized && credentials is null ? e.Message + " (give --user and --password)" : e.Message;

    private static int Preference(Uri u) =>
        !IPAddress.TryParse(u.Host.Trim('[', ']'), out var a) ? 1
        : a.AddressFamily == AddressFamily.InterNetwork ? 0
        : a.IsIPv6LinkLocal ? 3
        : 2;
}
