namespace Vigil.Onvif.Discovery.WsDiscovery;

/// <summary>
/// What ONVIF scopes say about a device (ONVIF Core 7.3.2.2): onvif://www.onvif.org/name/...,
/// hardware/..., location/..., Profile/..., and the keys vendors use beside them: the model under
/// model/, hardware_model/ or devicemodel/ where the standard says hardware/; the name under
/// devicename/, device_name/ or friendlyname/; the manufacturer under mfr/, manufacturer/, vendor/
/// or brand/; the MAC under mac/ or macaddress/. Keys match in any case (MAC/, Name/, Model/).
/// Values are URL-encoded ("HIKVISION%20DS-2CD2142FWD-I"); they are decoded here.
/// </summary>
public sealed record OnvifScopes(string? Name, string? Hardware, string? Manufacturer, IReadOnlyList<string> Locations, IReadOnlyList<string> Profiles, string? Mac)
{
    private const string Prefix = "onvif://www.onvif.org/";

    public static OnvifScopes Parse(IEnumerable<string> scopes)
    {
        string? name = null, hardware = null, manufacturer = null, mac = null;
        var locations = new List<string>();
        var profiles = new List<string>();
        foreach (var scope in scopes)
        {
            if (!scope.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var rest = scope[Prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == rest.Length - 1)
            {
                continue;
            }
            var key = rest[..slash];
            var value = Decode(rest[(slash + 1)..]);
            switch (key.ToLowerInvariant())
            {
                case "name" or "devicename" or "device_name" or "friendlyname":
                    name ??= value;
                    break;
                case "hardware" or "model" or "hardware_model" or "devicemodel" or "device_model":
                    hardware ??= value;
                    break;
                case "mfr" or "manufacturer" or "vendor" or "brand":
                    manufacturer ??= value;
                    break;
                case "location":
                    locations.Add(value);
                    break;
                case "profile":
                    if (!profiles.Contains(value, StringComparer.OrdinalIgnoreCase))
                    {
                        profiles.Add(value);
                    }
                    break;
                case "mac" or "macaddress" or "mac_address":
                    mac ??= value;
                    break;
            }
        }
        return new OnvifScopes(name, hardware, manufacturer, locations, profiles, mac);
    }

    /// <summary>Percent-decoding that never throws: a malformed escape is kept as it was.</summary>
    private static string Decode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value).Trim();
        }
        catch (UriFormatException)
        {
            return value;
        }
    }
}
