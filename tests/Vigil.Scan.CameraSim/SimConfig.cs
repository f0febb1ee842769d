using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Scan.CameraSim;

/// <summary>What one simulator process plays: its devices, and where the message files are.</summary>
public sealed record SimConfig
{
    /// <summary>The folder holding Captures/ and Shapes/.</summary>
    public string DataDir { get; init; } = "";

    public List<SimDevice> Devices { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>
/// One simulated device. <see cref="Behaviour"/> says how it answers WS-Discovery: normally, late
/// (dropping probes), only by Hello (and Bye), or with one of the hostile payloads.
/// </summary>
public sealed record SimDevice
{
    public string Address { get; init; } = "";
    /// <summary>A second address of the other family, answering with the same endpoint.</summary>
    public string? Address6 { get; init; }
    public string Endpoint { get; init; } = "";
    /// <summary>dahua (the real capture), gsoap, soap11-2009, or none.</summary>
    public string Wsd { get; init; } = "dahua";
    /// <summary>XAddrs, with {HOST} standing for the address of the answer's family.</summary>
    public string XAddrs { get; init; } = "http://{HOST}/onvif/device_service";
    public string Behaviour { get; init; } = "normal";
    public int DropProbes { get; init; }
    /// <summary>False: answers only directed (unicast) probes.</summary>
    public bool Multicast { get; init; } = true;
    public SimOnvif? Onvif { get; init; }
    public SimMdns? Mdns { get; init; }
    public SimIdentity? Ssdp { get; init; }
    public SimIdentity? Sadp { get; init; }
    public SimIdentity? Dh { get; init; }

    [JsonIgnore]
    public IEnumerable<IPAddress> Addresses => new[] { Address, Address6 }.Where(a => a is not null).Select(a => IPAddress.Parse(a!));
}

public sealed record SimIdentity(string Manufacturer, string Model, string Serial, string Firmware, string Mac = "00:11:22:33:44:55");

/// <summary>The ONVIF service of a device.</summary>
public sealed record SimOnvif
{
    /// <summary>dahua or hik (whose real captures it answers with), media2 (Media2 profiles), old (no GetServices).</summary>
    public string Flavour { get; init; } = "dahua";
    public SimIdentity Identity { get; init; } = new("Dahua", "IPC-HFW2228M-I1-V2", "4L0A2B3PAJ12345", "2.800.0000000.16.R");
    public string? User { get; init; }
    public string? Password { get; init; }
    /// <summary>none, wsse (UsernameToken PasswordDigest) or digest (HTTP Digest).</summary>
    public string Auth { get; init; } = "none";
    /// <summary>The device clock runs this far from the real one; its UsernameToken check uses it.</summary>
    public int ClockSkewSeconds { get; init; }
    /// <summary>GetDeviceInformation without credentials is allowed (many cameras do).</summary>
    public bool AnonymousInfo { get; init; }
    public int Port { get; init; } = 80;
    /// <summary>normal, a hostile answer to GetDeviceInformation (huge, dtd, truncated, slow), or forbidden (HTTP 403 to everything).</summary>
    public string Http { get; init; } = "normal";
}

public sealed record SimMdns
{
    public string ServiceType { get; init; } = "_rtsp._tcp.local";
    public string Instance { get; init; } = "Camera";
    public ushort Port { get; init; } = 554;
    public List<string> Txt { get; init; } = [];
    /// <summary>Answer the browse with PTR only; SRV and TXT only to a follow-up question.</summary>
    public bool Split { get; init; }
    /// <summary>normal, or loop (a compression pointer loop).</summary>
    public string Behaviour { get; init; } = "normal";
}
