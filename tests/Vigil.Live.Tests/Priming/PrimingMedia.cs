using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Live.Tests.Priming;

/// <summary>
/// A real MPEG-TS of H.264 made by ffmpeg (libx264, 320x240, 25 frames a second, a keyframe every 25
/// frames, 3 s, SPS and PPS before each keyframe as nginx-rtmp's HLS has them), and what ffprobe
/// says of its video packets in file order.
/// </summary>
internal sealed class PrimingMedia : IDisposable
{
    private PrimingMedia(string dir, byte[] ts, IReadOnlyList<(long Pts, long Pos, bool Key)> packets)
    {
        Dir = dir;
        Ts = ts;
        Packets = packets;
    }

    public string Dir { get; }
    public byte[] Ts { get; }
    public IReadOnlyList<(long Pts, long Pos, bool Key)> Packets { get; }

    public static async Task<PrimingMedia> MakeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-priming-").FullName;
        var file = Path.Combine(dir, "clip.ts");
        var made = await ProgramRun.RunFileAsync("/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "3",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
            "-x264-params", "repeat-headers=1", "-pix_fmt", "yuv420p", "-f", "mpegts", file]);
        Assert.That(made.Code, Is.Zero, made.Stderr);
        var probe = await ProgramRun.RunFileAsync("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0",
            "-show_entries", "packet=pts,pos,flags", "-of", "json", file]);
        Assert.That(probe.Code, Is.Zero, probe.Stderr);
        var packets = JsonNode.Parse(probe.Stdout)!["packets"]!.AsArray()
            .Select(p => (long.Parse(p!["pts"]!.ToString(), CultureInfo.InvariantCulture), long.Parse(p["pos"]!.ToString(), CultureInfo.InvariantCulture),
                p["flags"]!.GetValue<string>().StartsWith('K')))
            .ToList();
        Assert.That(packets.Count(p => p.Item3), Is.EqualTo(3), "three keyframes in 3 s");
        return new PrimingMedia(dir, await File.ReadAllBytesAsync(file), packets);
    }

    /// <summary>The keyframes' indexes among <see cref="Packets"/>.</summary>
    public int[] Keyframes() => Packets.Select((p, i) => (p, i)).Where(x => x.p.Key).Select(x => x.i).ToArray();

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>A fixture with one <see cref="PrimingMedia"/> for its tests.</summary>
public abstract class PrimingMediaFixture
{
    private protected PrimingMedia Media { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task MakeMedia() => Media = await PrimingMedia.MakeAsync();

    [OneTimeTearDown]
    public void RemoveMedia() => Media?.Dispose();
}
