using System.Globalization;
using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// A media profile, from Media (ver10) or Media2 (ver20) GetProfiles: its token, its name and
/// what its video encoder makes. Devices leave encoder parts out (a real Hikvision answer has a
/// VideoEncoderConfiguration with no Encoding at all), so every part is optional.
/// </summary>
public sealed record MediaProfile(string Token, string? Name, string? VideoEncoding, int? Width, int? Height, string? AudioEncoding)
{
    public const int MaxProfiles = 64;

    internal static List<MediaProfile> ReadProfiles(XmlReader r)
    {
        var profiles = new List<MediaProfile>();
        foreach (var p in XmlReading.Children(r))
        {
            if (p.LocalName != "Profiles" || profiles.Count == MaxProfiles)
            {
                continue;
            }
            var token = p.GetAttribute("token");
            if (string.IsNullOrEmpty(token))
            {
                continue;
            }
            var profile = new MediaProfile(token, null, null, null, null, null);
            foreach (var c in XmlReading.Children(p))
            {
                profile = c.LocalName switch
                {
                    "Name" => profile with { Name = XmlReading.ReadText(c, 256) },
                    // Media: the configurations sit in the profile; Media2: inside Configurations.
                    "VideoEncoderConfiguration" => ReadVideoEncoder(c, profile),
                    "AudioEncoderConfiguration" => ReadAudioEncoder(c, profile),
                    "Configurations" => ReadConfigurations(c, profile),
                    _ => profile,
                };
            }
            profiles.Add(profile);
        }
        return profiles;
    }

    private static MediaProfile ReadConfigurations(XmlReader r, MediaProfile profile)
    {
        foreach (var c in XmlReading.Children(r))
        {
            profile = c.LocalName switch
            {
                "VideoEncoder" => ReadVideoEncoder(c, profile),
                "AudioEncoder" => ReadAudioEncoder(c, profile),
                _ => profile,
            };
        }
        return profile;
    }

    private static MediaProfile ReadVideoEncoder(XmlReader r, MediaProfile profile)
    {
        foreach (var c in XmlReading.Children(r))
        {
            switch (c.LocalName)
            {
                case "Encoding":
                    profile = profile with { VideoEncoding = XmlReading.ReadText(c, 32) };
                    break;
                case "Resolution":
                    foreach (var d in XmlReading.Children(c))
                    {
                        var name = d.LocalName;
                        var value = int.TryParse(XmlReading.ReadText(d, 16), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 100_000 ? n : (int?)null;
                        profile = name switch
                        {
                            "Width" => profile with { Width = value },
                            "Height" => profile with { Height = value },
                            _ => profile,
                        };
                    }
                    break;
            }
        }
        return profile;
    }

    private static MediaProfile ReadAudioEncoder(XmlReader r, MediaProfile profile)
    {
        foreach (var c in XmlReading.Children(r))
        {
            if (c.LocalName == "Encoding")
            {
                profile = profile with { AudioEncoding = XmlReading.ReadText(c, 32) };
            }
        }
        return profile;
    }

    /// <summary>GetStreamUri and GetSnapshotUri: Media wraps the Uri in MediaUri, Media2 answers it directly.</summary>
    internal static string? ReadUri(XmlReader r)
    {
        foreach (var c in XmlReading.Children(r))
        {
            switch (c.LocalName)
            {
                case "Uri":
                    return XmlReading.ReadText(c, 2048);
                case "MediaUri":
                    return ReadUri(c);
            }
        }
        return null;
    }
}
