using System.Globalization;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan;

/// <summary>The default output: one line per device, its streams indented under it.</summary>
internal static class TableWriter
{
    private static readonly string[] Headers = ["ADDRESS", "MANUFACTURER", "MODEL", "SERIAL", "FIRMWARE", "PROTOCOLS", "ONVIF"];

    public static void Write(TextWriter output, ScanResult result)
    {
        var rows = result.Devices.Select(d => new[]
        {
            d.Address.ToString(),
            d.Manufacturer ?? "-",
            d.Model ?? "-",
            d.Serial ?? "-",
            d.Firmware ?? "-",
            string.Join(',', ScanProtocolNames.Names(d.Protocols)),
            d.OnvifAddress?.ToString() ?? "-",
        }).ToList();
        var widths = Headers.Select((h, i) => Math.Min(40, rows.Select(r => r[i].Length).Append(h.Length).Max())).ToArray();
        output.WriteLine(Line(Headers, widths));
        for (var n = 0; n < rows.Count; n++)
        {
            output.WriteLine(Line(rows[n], widths));
            var d = result.Devices[n];
            foreach (var s in d.Streams)
            {
                var size = s.Width is { } w && s.Height is { } h ? string.Create(CultureInfo.InvariantCulture, $"{w}x{h}") : "";
                var parts = new[] { s.Token, s.Name, s.VideoEncoding, size, s.RtspUri ?? s.Error ?? "-" }.Where(p => !string.IsNullOrEmpty(p));
                output.WriteLine("    " + string.Join(' ', parts));
            }
            if (d.OnvifError is { } e)
            {
                output.WriteLine($"    onvif: {e}");
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Devices.Count} device(s) in {result.Duration.TotalSeconds:0.0} s on {(result.Interfaces.Count == 0 ? "no interface" : string.Join(", ", result.Interfaces))}{(result.Ranges.Count == 0 ? "" : " and " + string.Join(", ", result.Ranges))}"));
    }

    /// <summary>Cells wider than their column are cut with an ellipsis, except the last, which runs on.</summary>
    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : (c.Length > widths[i] ? c[..(widths[i] - 1)] + "~" : c.PadRight(widths[i])))).TrimEnd();
}
