using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The HTTP side of the simulated devices: the ONVIF SOAP services and the UPnP description. One
/// Kestrel serves every device of the namespace; the local address and port a request came in on
/// say which device it is for, as if each camera ran its own web server. Each device has an event
/// service of its own, so one process can play many cameras on one address (a port each) whose
/// events are raised one camera at a time.
/// </summary>
public sealed class SimHttpServer : IAsyncDisposable
{
    private const string Realm = "Login to camsim";
    private readonly SimConfig _config;
    private readonly Templates _templates;
    private readonly WebApplication _app;
    private readonly string _nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly Dictionary<SimDevice, SimEvents> _events = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(IPAddress Address, int Port), SimDevice> _onvifAt = [];

    private SimHttpServer(SimConfig config, WebApplication app)
    {
        _config = config;
        _templates = new Templates(config.DataDir);
        Ptz = new SimPtz(_templates);
        foreach (var device in config.Devices)
        {
            _events[device] = new SimEvents(_templates);
            if (device.Onvif is { } onvif)
            {
                foreach (var address in device.Addresses)
                {
                    _onvifAt.TryAdd((address, onvif.Port), device);
                }
            }
        }
        Events = config.Devices.Count > 0 ? _events[config.Devices[0]] : new SimEvents(_templates);
        _app = app;
        _app.Run(HandleAsync);
    }

    /// <summary>The PTZ head (one per server: the PTZ tests play one device).</summary>
    public SimPtz Ptz { get; }

    /// <summary>The event service (PullPoint) of the first device: the one a single-camera test plays.</summary>
    public SimEvents Events { get; }

    /// <summary>The event service of one of the configured devices.</summary>
    public SimEvents EventsOf(SimDevice device) => _events[device];

    /// <summary>False: <see cref="Requests"/> is not kept (a long run of many cameras would only grow it).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>The stills GetSnapshotUri points at.</summary>
    public SimSnapshot Snapshot { get; } = new();

    /// <summary>Requests received: operation ("GetProfiles") and body, for tests that check what was asked and how.</summary>
    public List<(string Operation, string Body, string? Authorization)> Requests { get; } = [];

    /// <summary>Listens on the given endpoints (port 0 picks one; see <see cref="Ports"/>).</summary>
    public static async Task<SimHttpServer> StartAsync(SimConfig config, IEnumerable<IPEndPoint> listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var e in listen)
            {
                k.Listen(e);
            }
        });
        var server = new SimHttpServer(config, builder.Build());
        await server._app.StartAsync();
        return server;
    }

    public IEnumerable<int> Ports => _app.Urls.Select(u => new Uri(u.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port);

    private SimDevice? DeviceAt(IPAddress? local, int port)
    {
        if (local is null)
        {
            return null;
        }
        local = local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
        if (_onvifAt.TryGetValue((local, port), out var byPort))
        {
            return byPort;
        }
        return _config.Devices.FirstOrDefault(d => d.Addresses.Any(a => a.Equals(local)))
            ?? (_config.Devices.Count == 1 ? _config.Devices[0] : null);
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var device = DeviceAt(ctx.Connection.LocalIpAddress, ctx.Connection.LocalPort);
        if (device is null)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        if (ctx.Request.Method == "GET" && ctx.Request.Path == "/upnp/description.xml" && device.Ssdp is { } upnp)
        {
            ctx.Response.ContentType = "text/xml";
            await ctx.Response.WriteAsync(_templates.Shape("upnp-description.xml", ("HOST", device.Address), ("NAME", upnp.Model + " " + upnp.Serial), ("MANUFACTURER", upnp.Manufacturer), ("MODEL", upnp.Model), ("SERIAL", upnp.Serial), ("UUID", SsdpResponder.Uuid(device))));
            return;
        }
        if (ctx.Request.Method == "POST" && ctx.Request.Path == "/camsim/raise")
        {
            // The test's hand on the camera: what its motion detector would do.
            // ?behind=SECONDS: the camera's clock is that far behind (a day at most).
            var behind = int.TryParse(ctx.Request.Query["behind"].ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 86_400 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
            _events[device].Raise(ctx.Request.Query["kind"].ToString() is { Length: > 0 } kind ? kind : "motion", behind);
            ctx.Response.StatusCode = 204;
            return;
        }
        if (ctx.Request.Method == "GET" && ctx.Request.Path.StartsWithSegments("/snapshot", StringComparison.Ordinal) && device.Onvif is { } still)
        {
            await SnapshotAsync(ctx, still);
            return;
        }
        if (ctx.Request.Method != "POST" || device.Onvif is not { } onvif || ctx.Connection.LocalPort != onvif.Port && _config.Devices.Count > 1)
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        var request = body.ToArray();
        var (ns, operation) = Operation(request);
        if (RecordRequests)
        {
            lock (Requests)
            {
                Requests.Add((operation, Encoding.UTF8.GetString(request), ctx.Request.Headers.Authorization.ToString()));
            }
        }
        if (onvif.Http == "forbidden")
        {
            // A web server that is no ONVIF service (or not one for this client): HTTP 403 and an
            // HTML page, to every request, each of which is told on stderr with whether it came
            // with credentials (a UsernameToken or an Authorization header).
            var credentials = ctx.Request.Headers.Authorization.Count > 0 || Encoding.UTF8.GetString(request).Contains("UsernameToken", StringComparison.Ordinal);
            Console.Error.WriteLine($"forbidden {device.Address} {operation} credentials={(credentials ? "yes" : "no")}");
            ctx.Response.StatusCode = 403;
            ctx.Response.ContentType = "text/html";
            await ctx.Response.WriteAsync("<html><body><h1>403 Forbidden</h1></body></html>");
            return;
        }
        var deviceNow = DateTime.UtcNow.AddSeconds(onvif.ClockSkewSeconds);
        if (operation == "GetSystemDateAndTime")
        {
            await Soap(ctx, 200, _templates.SystemDateAndTime(onvif.Flavour, deviceNow));
            return;
        }
        if (!(onvif.AnonymousInfo && operation == "GetDeviceInformation") && !await AuthorizedAsync(ctx, onvif, request, deviceNow))
        {
            return;
        }
        if (operation == "GetDeviceInformation" && onvif.Http != "normal")
        {
            await HostileAsync(ctx, onvif.Http);
            return;
        }
        if (ns == SimPtz.Namespace && Ptz.Answer(operation, request) is { } ptz)
        {
            // Faults go with HTTP 400, as the SOAP 1.2 HTTP binding says for a sender's fault.
            await Soap(ctx, ptz.Contains(":Fault>", StringComparison.Ordinal) ? 400 : 200, ptz);
            return;
        }
        if (ns is SimEvents.Namespace or SimEvents.NotificationNamespace)
        {
            var events = _events[device];
            if (ns == SimEvents.Namespace && operation == "PullMessages" && events.Behaviour != "normal")
            {
                await HostileAsync(ctx, events.Behaviour == "endless" ? "slow" : events.Behaviour);
                return;
            }
            if (await events.AnswerAsync(operation, request, ctx.Request.Host.ToString(), ctx.Request.Query["Idx"], ctx.RequestAborted) is { } answered)
            {
                await Soap(ctx, answered.Contains(":Fault>", StringComparison.Ordinal) ? 400 : 200, answered);
                return;
            }
        }
        var host = ctx.Request.Host.ToString();
        var id = onvif.Identity;
        var deviceHost = IPAddress.Parse(device.Address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{device.Address}]" : device.Address;
        var media2Service = onvif.Flavour == "media2"
            ? $"<tds:Service><tds:Namespace>http://www.onvif.org/ver20/media/wsdl</tds:Namespace><tds:XAddr>http://{deviceHost}/onvif/Media2</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
            : "";
        var media2 = ns == "http://www.onvif.org/ver20/media/wsdl";
        var token = Text(request, "ProfileToken") ?? "";
        string? answer = operation switch
        {
            "GetDeviceInformation" => _templates.Shape("GetDeviceInformationResponse.xml", ("MANUFACTURER", Escape(id.Manufacturer)), ("MODEL", Escape(id.Model)), ("FIRMWARE", Escape(id.Firmware)), ("SERIAL", Escape(id.Serial)), ("HARDWARE", "1.0")),
            "GetServices" when onvif.Flavour != "old" => _templates.Shape("GetServicesResponse.xml", ("DEVICE_HOST", deviceHost), ("MEDIA2_SERVICE", media2Service)),
            "GetCapabilities" => _templates.Shape("GetCapabilitiesResponse.xml", ("DEVICE_HOST", deviceHost)),
            "GetProfiles" when media2 => _templates.Shape("Media2-GetProfilesResponse.xml"),
            "GetProfiles" when onvif.Flavour == "hik" => _templates.Capture("hik-GetProfilesResponse-invalid-encoder.xml"),
            "GetProfiles" => _templates.Shape("GetProfilesResponse.xml"),
            "GetStreamUri" => _templates.Shape(media2 ? "Media2-GetStreamUriResponse.xml" : "GetStreamUriResponse.xml", ("URI", $"rtsp://{Host(host)}:554/stream/{token}")),
            "GetSnapshotUri" => _templates.Shape(media2 ? "Media2-GetSnapshotUriResponse.xml" : "GetSnapshotUriResponse.xml", ("URI", $"http://{host}/snapshot/{token}.jpg")),
            _ => null,
        };
        if (answer is null)
        {
            await Soap(ctx, 400, """<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value>ter:ActionNotSupported</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Optional Action Not Implemented</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>""");
            return;
        }
        await Soap(ctx, 200, answer);
    }

    private async Task SnapshotAsync(HttpContext ctx, SimOnvif onvif)
    {
        if (onvif.Auth == "digest" && !SoapAuth.CheckDigest(ctx.Request.Headers.Authorization, "GET", onvif.User!, onvif.Password!, Realm, _nonce))
        {
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = $"Digest realm=\"{Realm}\", qop=\"auth\", nonce=\"{_nonce}\", algorithm=MD5";
            return;
        }
        ctx.Response.ContentType = "image/jpeg";
        switch (Snapshot.Behaviour)
        {
            case "huge":
                // A "JPEG" that never ends, without a Content-Length.
                var chunk = new byte[64 * 1024];
                await ctx.Response.Body.WriteAsync(Snapshot.Next(), ctx.RequestAborted);
                for (var i = 0; i < 1024 && !ctx.RequestAborted.IsCancellationRequested; i++)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted).AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
                }
                return;
            case "slow":
                await ctx.Response.Body.WriteAsync(new byte[] { 0xFF, 0xD8 }, ctx.RequestAborted);
                await Task.Delay(TimeSpan.FromSeconds(60), ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            default:
                var still = Snapshot.Next();
                ctx.Response.ContentLength = still.Length;
                await ctx.Response.Body.WriteAsync(still, ctx.RequestAborted);
                return;
        }
    }

    private async Task<bool> AuthorizedAsync(HttpContext ctx, SimOnvif onvif, byte[] request, DateTime deviceNow)
    {
        switch (onvif.Auth)
        {
            case "none":
                return true;
            case "wsse":
                if (SoapAuth.CheckUsernameToken(request, onvif.User!, onvif.Password!, deviceNow, out var why))
                {
                    return true;
                }
                Console.Error.WriteLine($"camsim: {ctx.Connection.LocalIpAddress} refused a UsernameToken: {why}");
                await Soap(ctx, 400, _templates.Shape("Fault-NotAuthorized.xml"));
                return false;
            case "digest":
                if (SoapAuth.CheckDigest(ctx.Request.Headers.Authorization, "POST", onvif.User!, onvif.Password!, Realm, _nonce))
                {
                    return true;
                }
                ctx.Response.StatusCode = 401;
                ctx.Response.Headers.WWWAuthenticate = $"Digest realm=\"{Realm}\", qop=\"auth\", nonce=\"{_nonce}\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5";
                return false;
            default:
                throw new InvalidOperationException($"unknown auth {onvif.Auth}");
        }
    }

    /// <summary>Answers a device information request the way a broken or hostile device would.</summary>
    private static async Task HostileAsync(HttpContext ctx, string mode)
    {
        ctx.Response.ContentType = "application/soap+xml; charset=utf-8";
        switch (mode)
        {
            case "huge":
                // 10 MB, streamed without a Content-Length: the client must stop at its cap.
                var chunk = Encoding.ASCII.GetBytes(new string('A', 64 * 1024));
                await ctx.Response.WriteAsync("<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><x>");
                for (var i = 0; i < 160 && !ctx.RequestAborted.IsCancellationRequested; i++)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                }
                break;
            case "dtd":
                await ctx.Response.WriteAsync("<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>&xxe;</tds:Manufacturer></tds:GetDeviceInformationResponse></s:Body></s:Envelope>");
                break;
            case "truncated":
                await ctx.Response.WriteAsync("<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Trunc");
                break;
            case "slow":
                // A byte now and then: never finished, never idle long enough to look dead.
                await ctx.Response.WriteAsync("<?xml version=\"1.0\"?>");
                for (var i = 0; i < 600 && !ctx.RequestAborted.IsCancellationRequested; i++)
                {
                    await Task.Delay(100, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    await ctx.Response.WriteAsync(" ", ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                break;
        }
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text);

    private static string Host(string hostAndPort) =>
        hostAndPort.StartsWith('[') ? hostAndPort[..(hostAndPort.IndexOf(']', StringComparison.Ordinal) + 1)] : hostAndPort.Split(':')[0];

    private static async Task Soap(HttpContext ctx, int status, string xml)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/soap+xml; charset=utf-8";
        await ctx.Response.WriteAsync(xml);
    }

    /// <summary>The namespace and name of the first element in the SOAP body.</summary>
    private static (string Namespace, string Name) Operation(byte[] request)
    {
        try
        {
            using var r = XmlReader.Create(new MemoryStream(request), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var inBody = false;
            while (r.Read())
            {
                if (r.NodeType != XmlNodeType.Element)
                {
                    continue;
                }
                if (inBody)
                {
                    return (r.NamespaceURI, r.LocalName);
                }
                inBody = r.LocalName == "Body";
            }
        }
        catch (XmlException)
        {
        }
        return ("", "");
    }

    internal static string? Text(byte[] request, string element)
    {
        using var r = XmlReader.Create(new MemoryStream(request), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        while (r.Read())
        {
            if (r.NodeType == XmlNodeType.Element && r.LocalName == element)
            {
                return r.ReadElementContentAsString();
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
