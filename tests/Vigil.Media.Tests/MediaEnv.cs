using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Stack;

namespace Vigil.Media.Tests;

/// <summary>Where the programs under test are, and the helpers every real-peer fixture uses.</summary>
internal static partial class MediaEnv
{
    public static string RelayDll => Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll");

    /// <summary>The agent under test, found as <see cref="AgentBinary.Locate"/> says: the AOT binary in CI.</summary>
    public static string Agent => AgentBinary.Locate(Path.Combine(AppContext.BaseDirectory, "vigil-agent.dll"));

    public static string TempDir() => Directory.CreateTempSubdirectory("vigil-media-").FullName;

    /// <summary>
    /// Removes a run's directory (HLS fragments and captures add up over a test run), unless
    /// VIGIL_TEST_KEEP is set: then what the streamer wrote stays for a look.
    /// </summary>
    public static void Delete(string dir)
    {
        if (Environment.GetEnvironmentVariable("VIGIL_TEST_KEEP") is { Length: > 0 })
        {
            TestContext.Out.WriteLine($"kept {dir}");
            return;
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static Task<(PeerProcess Camera, int Port)> StartCameraAsync(params string[] options) =>
        MediaPeers.StartCameraAsync(MediaPeers.CameraScript, ["--port", "0", .. options]);

    /// <summary>Starts `vigil-agent run` on a config written to dir/agent.conf.</summary>
    public static PeerProcess StartAgent(string dir, AgentConfigFile config)
    {
        var argv = AgentProcess.CommandLine(Agent, "run", config.Write(Path.Combine(dir, AgentConfigFile.FileName)));
        return PeerProcess.Start("agent", argv[0], argv[1..]);
    }

    /// <summary>The agent's status file as `vigil-agent status` prints it.</summary>
    public static string Status(string dir)
    {
        var path = Path.Combine(dir, "state", "status");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>One "key=value" of the status file, or null.</summary>
    public static string? StatusValue(string dir, string key) =>
        Status(dir).Split('\n').FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    public static long StatusNumber(string dir, string key) =>
        long.TryParse(StatusValue(dir, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;

    public static async Task<bool> WaitUntil(Func<bool> condition, TimeSpan timeout) =>
        await Poll.WithinAsync(timeout, () => Task.FromResult(condition())) is not null;

    /// <summary>
    /// nginx-rtmp's HLS fragments of a stream, in the order of its <paramref name="playlist"/> (the
    /// fragments beside it), as one MPEG-TS file next to the stream's folder.
    /// </summary>
    public static string JoinHls(string playlist)
    {
        var streamDir = Path.GetDirectoryName(playlist)!;
        var output = streamDir + "-all.ts";
        using var all = File.Create(output);
        foreach (var line in File.ReadAllLines(playlist).Where(l => l.EndsWith(".ts", StringComparison.Ordinal)))
        {
            using var fragment = File.OpenRead(Path.Combine(streamDir, line));
            fragment.CopyTo(all);
        }
        return output;
    }

    /// <summary>What the streamer wrote, as ffprobe counts it and ffmpeg decodes it.</summary>
    public static Verdict Probe(string file)
    {
        var (_, probe) = AgentProcess.RunToEnd("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=codec_name,codec_type,nb_read_frames:format=duration", "-of", "default=nw=1", file]);
        int video = 0, audio = 0;
        string? type = null, codec = null;
        var codecs = new List<string>();
        double duration = 0;
        foreach (var line in probe.Split('\n'))
        {
            if (line.StartsWith("codec_name=", StringComparison.Ordinal))
            {
                codec = line[11..];
            }
            else if (line.StartsWith("codec_type=", StringComparison.Ordinal))
            {
                type = line[11..];
                codecs.Add(codec ?? "");
            }
            else if (line.StartsWith("nb_read_frames=", StringComparison.Ordinal) && int.TryParse(line[15..], CultureInfo.InvariantCulture, out var n))
            {
                if (type == "video")
                {
                    video = n;
                }
                else if (type == "audio")
                {
                    audio = n;
                }
            }
            else if (line.StartsWith("duration=", StringComparison.Ordinal))
            {
                double.TryParse(line[9..], NumberStyles.Float, CultureInfo.InvariantCulture, out duration);
            }
        }
        // What the decoders say. The null muxer's own complaints are left out: it rounds each decoded
        // frame's time to the stream's nominal frame rate, and after a reconnect (times off that grid)
        // two frames 40 ms apart can land in one slot; the packets' own times are checked below.
        var (_, decoding) = AgentProcess.RunToEnd("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", file, "-f", "null", "-"]);
        var errors = string.Join('\n', decoding.Split('\n').Where(l => l.Trim().Length > 0 && !l.StartsWith("[null @", StringComparison.Ordinal)));
        // MPEG-TS lists its streams again under its program: the same codecs twice.
        return new Verdict(video, audio, duration, errors, string.Join(',', codecs.Distinct()), NonIncreasingTimes(file, "v") + NonIncreasingTimes(file, "a"));
    }

    /// <summary>Packets of a stream whose decoding time does not move forward from the one before.</summary>
    private static int NonIncreasingTimes(string file, string stream)
    {
        var (_, output) = AgentProcess.RunToEnd("/usr/bin/ffprobe", ["-v", "error", "-select_streams", stream, "-show_entries", "packet=dts", "-of", "csv=p=0", file]);
        var count = 0;
        long? previous = null;
        foreach (var line in output.Split('\n'))
        {
            if (long.TryParse(line.Trim().TrimEnd(','), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dts))
            {
                count += previous >= dts ? 1 : 0;
                previous = dts;
            }
        }
        return count;
    }

    /// <summary>The number at the end of a line like "eos video 750".</summary>
    public static int LastNumber(string line) => int.Parse(TrailingNumber().Match(line).Value, CultureInfo.InvariantCulture);

    /// <summary>Peak resident memory of a process (VmHWM), in bytes.</summary>
    public static long PeakResident(int pid) => ProcStatus.PeakResidentBytes(pid);

    [GeneratedRegex(@"\d+$")]
    private static partial Regex TrailingNumber();
}

/// <summary>ffprobe's frame counts and duration, and whatever ffmpeg said while decoding every frame.</summary>
internal sealed record Verdict(int VideoFrames, int AudioFrames, double DurationSeconds, string DecodeErrors, string Codecs, int NonIncreasingTimes)
{
    /// <summary>Decodes without an error, and every packet's time moves forward.</summary>
    public bool Clean => DecodeErrors.Length == 0 && NonIncreasingTimes == 0;

    public override string ToString() => $"{Codecs}: {VideoFrames} video frames, {AudioFrames} audio frames, {DurationSeconds:F2} s, {NonIncreasingTimes} packets whose time did not move forward, decode errors: {(DecodeErrors.Length == 0 ? "none" : DecodeErrors)}";
}
