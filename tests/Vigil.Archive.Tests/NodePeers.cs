using System.Globalization;
using Vigil.Stack;

namespace Vigil.Archive.Tests;

/// <summary>What the node tests run and read with: the peers they need, ffprobe's packets, the archive's clock.</summary>
internal static class NodePeers
{
    /// <summary>Fails in CI, and skips elsewhere, when a peer program is missing.</summary>
    public static void Require()
    {
        if (MediaPeers.Missing("/usr/bin/ffmpeg") is not { } message)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(message);
        }
        Assert.Ignore(message);
    }

    /// <summary>A wall-clock moment as the archive's MPEG-TS carries it: 90 kHz modulo 2^33, here in ms.</summary>
    public static long WallToTsMs(long wallMs) => (wallMs * 90 & ((1L << 33) - 1)) / 90;

    /// <summary>What ffmpeg says when it decodes the whole of a URL (empty: no error).</summary>
    public static async Task<string> DecodeErrorsAsync(string url)
    {
        var (_, _, errors) = await Tools.CaptureAsync("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", url, "-f", "null", "-"]);
        return errors.Trim();
    }

    /// <summary>ffprobe's packets of one stream of a URL (ms): PTS and keyframe flag; <paramref name="readSeconds"/> limits a stream that does not end.</summary>
    public static async Task<List<(long Pts, bool Key)>> PacketsAsync(string url, string stream, int readSeconds = 0)
    {
        List<string> args = ["-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"];
        if (readSeconds > 0)
        {
            args.AddRange(["-read_intervals", $"%+{readSeconds.ToString(CultureInfo.InvariantCulture)}"]);
        }
        args.Add(url);
        var (_, output, _) = await Tools.CaptureAsync("/usr/bin/ffprobe", [.. args]);
        var packets = new List<(long, bool)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(',');
            if (f.Length >= 2 && double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                packets.Add(((long)Math.Round(seconds * 1000), f[1].Contains('K', StringComparison.Ordinal)));
            }
        }
        return packets;
    }
}
