using System.Globalization;
using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>A pan, tilt and zoom position or velocity in the generic spaces, each -1 to 1 (zoom 0 to 1 as a position).</summary>
public readonly record struct PtzVector(double Pan, double Tilt, double Zoom);

/// <summary>
/// One PTZ preset (ONVIF PTZ 5.4.4): its token, its name and the position it stands for when the
/// device says. Hikvision numbers its tokens "1" to "300"; Dahua does too but names them "Preset1".
/// </summary>
public sealed record PtzPreset(string Token, string Name, PtzVector? Position)
{
    public const int MaxPresets = 512;

    internal static List<PtzPreset> ReadPresets(XmlReader r)
    {
        var presets = new List<PtzPreset>();
        foreach (var p in XmlReading.Children(r))
        {
            if (p.LocalName != "Preset" || presets.Count == MaxPresets)
            {
                continue;
            }
            var token = p.GetAttribute("token");
            if (string.IsNullOrEmpty(token) || token.Length > 64)
            {
                continue;
            }
            string name = "";
            PtzVector? position = null;
            foreach (var c in XmlReading.Children(p))
            {
                switch (c.LocalName)
                {
                    case "Name":
                        name = XmlReading.ReadText(c, 64);
                        break;
                    case "PTZPosition":
                        position = ReadVector(c);
                        break;
                }
            }
            presets.Add(new PtzPreset(token, name, position));
        }
        return presets;
    }

    /// <summary>SetPreset answers the token of the preset it made or overwrote.</summary>
    internal static string ReadToken(XmlReader r)
    {
        foreach (var c in XmlReading.Children(r))
        {
            if (c.LocalName == "PresetToken")
            {
                return XmlReading.ReadText(c, 64);
            }
        }
        throw new OnvifException(OnvifErrorKind.BadResponse, "SetPreset: the answer has no PresetToken");
    }

    /// <summary>GetStatus: the position in PTZStatus.</summary>
    internal static PtzVector? ReadStatus(XmlReader r)
    {
        foreach (var status in XmlReading.Children(r))
        {
            if (status.LocalName != "PTZStatus")
            {
                continue;
            }
            foreach (var c in XmlReading.Children(status))
            {
                if (c.LocalName == "Position")
                {
                    return ReadVector(c);
                }
            }
        }
        return null;
    }

    private static PtzVector ReadVector(XmlReader r)
    {
        double pan = 0, tilt = 0, zoom = 0;
        foreach (var c in XmlReading.Children(r))
        {
            switch (c.LocalName)
            {
                case "PanTilt":
                    pan = Number(c.GetAttribute("x"));
                    tilt = Number(c.GetAttribute("y"));
                    break;
                case "Zoom":
                    zoom = Number(c.GetAttribute("x"));
                    break;
            }
        }
        return new PtzVector(pan, tilt, zoom);
    }

    private static double Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : 0;
}
