using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The PTZ head of a simulated camera: a position that moves with the velocity of the last
/// ContinuousMove until Stop (like several real firmwares, it ignores the move's Timeout, so that a
/// client that forgets to stop is seen), presets with Hikvision's numbered tokens, and home at 0,0,0.
/// Positions are in the generic spaces: pan and tilt -1 to 1, zoom 0 to 1; speed 1 covers 0.5 a second.
/// </summary>
public sealed partial class SimPtz(Templates templates)
{
    public const string Namespace = "http://www.onvif.org/ver20/ptz/wsdl";
    private const double UnitsPerSecond = 0.5;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, (string Name, (double Pan, double Tilt, double Zoom) At)> _presets = new()
    {
        [1] = ("Gate", (0.5, -0.2, 0.1)),
        [2] = ("Parking", (-0.7, 0.3, 0.4)),
    };
    private (double Pan, double Tilt, double Zoom) _at;
    private (double Pan, double Tilt, double Zoom) _velocity;
    private DateTime _since = DateTime.UtcNow;

    /// <summary>Stops received, for tests that check who stopped a move.</summary>
    public int Stops { get; private set; }

    /// <summary>Where the head points now.</summary>
    public (double Pan, double Tilt, double Zoom) Position
    {
        get
        {
            lock (_lock)
            {
                return Advance();
            }
        }
    }

    public bool Moving
    {
        get
        {
            lock (_lock)
            {
                return _velocity != default;
            }
        }
    }

    /// <summary>The answer to one PTZ operation, or null when it is not one this head knows.</summary>
    public string? Answer(string operation, byte[] request)
    {
        lock (_lock)
        {
            var now = Advance();
            switch (operation)
            {
                case "ContinuousMove":
                    var (pan, tilt, zoom) = Vector(request, "Velocity");
                    if (Math.Abs(pan) > 1 || Math.Abs(tilt) > 1 || Math.Abs(zoom) > 1)
                    {
                        return Fault("env:Sender", "ter:InvalidArgVal", "ter:InvalidVelocity", "The requested velocity is out of bounds");
                    }
                    _velocity = (pan, tilt, zoom);
                    return Empty("ContinuousMoveResponse");
                case "Stop":
                    _velocity = default;
                    Stops++;
                    return Empty("StopResponse");
                case "RelativeMove":
                    var step = Vector(request, "Translation");
                    _at = Clamp((now.Pan + step.Pan, now.Tilt + step.Tilt, now.Zoom + step.Zoom));
                    return Empty("RelativeMoveResponse");
                case "GotoHomePosition":
                    _velocity = default;
                    _at = default;
                    return Empty("GotoHomePositionResponse");
                case "GetPresets":
                    return Wrap("<tptz:GetPresetsResponse>" + string.Concat(_presets.Select(p =>
                        $"<tptz:Preset token=\"{p.Key}\"><tt:Name>{System.Security.SecurityElement.Escape(p.Value.Name)}</tt:Name>{PositionXml(p.Value.At)}</tptz:Preset>")) + "</tptz:GetPresetsResponse>");
                case "GotoPreset":
                    if (!TryToken(request, out var go) || !_presets.TryGetValue(go, out var preset))
                    {
                        return NoToken();
                    }
                    _velocity = default;
                    _at = preset.At;
                    return Empty("GotoPresetResponse");
                case "SetPreset":
                    var name = SimHttpServer.Text(request, "PresetName") ?? "";
                    int token;
                    if (SimHttpServer.Text(request, "PresetToken") is not null)
                    {
                        if (!TryToken(request, out token))
                        {
                            return NoToken();
                        }
                    }
                    else
                    {
                        token = Enumerable.Range(1, 300).FirstOrDefault(t => !_presets.ContainsKey(t));
                        if (token == 0)
                        {
                            return Fault("env:Receiver", "ter:Action", "ter:TooManyPresets", "Maximum number of presets reached");
                        }
                    }
                    _presets[token] = (name.Length > 0 ? name : $"preset{token}", now);
                    return Wrap($"<tptz:SetPresetResponse><tptz:PresetToken>{token}</tptz:PresetToken></tptz:SetPresetResponse>");
                case "RemovePreset":
                    if (!TryToken(request, out var gone) || !_presets.Remove(gone))
                    {
                        return NoToken();
                    }
                    return Empty("RemovePresetResponse");
                case "GetStatus":
                    var text = templates.Capture("hik-ptz-GetStatusResponse.xml");
                    text = PanTilt().Replace(text, $"<tt:PanTilt x=\"{F(now.Pan)}\" y=\"{F(now.Tilt)}\"", 1);
                    text = ZoomAt().Replace(text, $"<tt:Zoom x=\"{F(now.Zoom)}\"", 1);
                    var state = _velocity == default ? "IDLE" : "MOVING";
                    return text.Replace("<tt:PanTilt>IDLE</tt:PanTilt>", $"<tt:PanTilt>{state}</tt:PanTilt>", StringComparison.Ordinal)
                        .Replace("2025-04-05T20:37:31Z", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), StringComparison.Ordinal);
                default:
                    return null;
            }
        }
    }

    private (double Pan, double Tilt, double Zoom) Advance()
    {
        var now = DateTime.UtcNow;
        var seconds = (now - _since).TotalSeconds;
        _since = now;
        _at = Clamp((_at.Pan + (_velocity.Pan * seconds * UnitsPerSecond), _at.Tilt + (_velocity.Tilt * seconds * UnitsPerSecond), _at.Zoom + (_velocity.Zoom * seconds * UnitsPerSecond)));
        return _at;
    }

    private static (double, double, double) Clamp((double Pan, double Tilt, double Zoom) v) =>
        (Math.Clamp(v.Pan, -1, 1), Math.Clamp(v.Tilt, -1, 1), Math.Clamp(v.Zoom, 0, 1));

    private static string F(double v) => v.ToString("0.000000", CultureInfo.InvariantCulture);

    private static string PositionXml((double Pan, double Tilt, double Zoom) at) =>
        $"<tt:PTZPosition><tt:PanTilt x=\"{F(at.Pan)}\" y=\"{F(at.Tilt)}\" space=\"http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace\"/><tt:Zoom x=\"{F(at.Zoom)}\" space=\"http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace\"/></tt:PTZPosition>";

    private string Wrap(string body) => templates.HikWrap(body);

    private string Empty(string response) => Wrap($"<tptz:{response}></tptz:{response}>");

    private string NoToken() => Fault("env:Sender", "ter:InvalidArgVal", "ter:NoToken", "The requested preset token does not exist");

    private string Fault(string code, string subcode, string detail, string reason) => Wrap(
        $"<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>{code}</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>{subcode}</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>{detail}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Subcode></SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang=\"en\">{reason}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>");

    private static bool TryToken(byte[] request, out int token) =>
        int.TryParse(SimHttpServer.Text(request, "PresetToken"), NumberStyles.None, CultureInfo.InvariantCulture, out token);

    private static (double Pan, double Tilt, double Zoom) Vector(byte[] request, string parent)
    {
        double pan = 0, tilt = 0, zoom = 0;
        using var r = XmlReader.Create(new MemoryStream(request), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        var inside = false;
        while (r.Read())
        {
            if (r.NodeType != XmlNodeType.Element)
            {
                continue;
            }
            inside |= r.LocalName == parent;
            if (inside && r.LocalName == "PanTilt")
            {
                pan = Number(r.GetAttribute("x"));
                tilt = Number(r.GetAttribute("y"));
            }
            else if (inside && r.LocalName == "Zoom")
            {
                zoom = Number(r.GetAttribute("x"));
            }
        }
        return (pan, tilt, zoom);
    }

    private static double Number(string? s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    [GeneratedRegex("<tt:PanTilt x=\"[^\"]*\" y=\"[^\"]*\"")]
    private static partial Regex PanTilt();

    [GeneratedRegex("<tt:Zoom x=\"[^\"]*\"")]
    private static partial Regex ZoomAt();
}
