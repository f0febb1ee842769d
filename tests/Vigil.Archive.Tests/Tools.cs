using System.Diagnostics;

namespace Vigil.Archive.Tests;

/// <summary>ffmpeg and ffprobe, the real tools the archive's files are made and checked with.</summary>
internal static class Tools
{
    /// <summary>Runs a tool to its end; its standard output, or an exception with its standard error when it fails.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var (code, output, errors) = await CaptureAsync(file, args).ConfigureAwait(false);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}: {errors}");
    }

    /// <summary>Runs a tool to its end (two minutes at most); its exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Out, string Err)> CaptureAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took over 2 minutes");
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>An FLV of a test pattern (H.264 with B-frames, GOP of <paramref name="gop"/>) and a tone (AAC), as a camera's publish would be recorded.</summary>
    public static Task MakeFlvAsync(string path, double seconds, int fps = 25, int gop = 25, int offsetSeconds = 0) =>
        RunAsync("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate={fps}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", gop.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-keyint_min", gop.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "64k",
            "-output_ts_offset", offsetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-f", "flv", path);

    /// <summary>ffprobe's packets of one stream (v or a): dts and pts in ms, keyframe flag.</summary>
    public static async Task<List<(long Dts, long Pts, bool Key)>> PacketsAsync(string path, string stream)
    {
        var csv = await RunAsync("/usr/bin/ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=dts_time,pts_time,flags",
            "-of", "csv=p=0", path).ConfigureAwait(false);
        var list = new List<(long, long, bool)>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(',');
            list.Add((Ms(f[1]), Ms(f[0]), f[2].Contains('K', StringComparison.Ordinal)));
        }
        return list;
    }

    private static long Ms(string seconds) =>
        (long)Math.Round(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture) * 1000);
}
