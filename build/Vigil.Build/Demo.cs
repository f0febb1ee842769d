using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vigil.Build;

/// <summary>
/// `./build.sh demo`: the whole camera path on this machine. Builds vigil-portal (with its embedded
/// relay) and vigil-load, publishes the NativeAOT agent, makes sure of the media peers (nginx with
/// nginx-rtmp, ffmpeg, GStreamer), then runs `vigil-load demo`, which starts the portal, nginx-rtmp
/// as its streamer, a GStreamer camera and the agent, approves the agent's device through the
/// portal's API, waits until the camera really plays, and prints where to look. Ctrl-C stops
/// everything it started. `demo --until-playing` stops once it plays and exits 0 (for CI).
/// </summary>
internal static class Demo
{
    public static int Run(string[] args)
    {
        Apt.Ensure(TestPeers.Media, "the demo's camera, streamer and player");
        var agent = AgentPublisher.Publish(AgentPublisher.HostRid);
        // Before the portal is built: its output takes the web portal along.
        WebPortal.Build();
        var output = Path.Combine(Paths.Artifacts, "demo-bin");
        Console.WriteLine("building vigil-load with vigil-portal");
        // The tool references the portal, so vigil-portal.dll lands beside vigil-load.dll.
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "bench", "Vigil.LoadTool", "Vigil.LoadTool.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly;NoSummary", "-o", output]);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Paths.Root };
        foreach (var a in (string[])[Path.Combine(output, "vigil-load.dll"), "demo", "--agent", agent,
                     "--camera-script", Path.Combine(Paths.Root, "tests", "Vigil.Media.Tests", "peers", "camera.py"),
                     "--state", Path.Combine(Paths.Artifacts, "demo"), .. args])
        {
            psi.ArgumentList.Add(a);
        }
        using var demo = Process.Start(psi) ?? throw new BuildException("cannot start vigil-load demo");
        // Ctrl-C reaches the whole foreground process group, vigil-load included, which stops what it
        // started: this process waits for that. A SIGTERM sent to this process alone is passed on.
        Console.CancelKeyPress += (_, e) => e.Cancel = true;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s =>
        {
            s.Cancel = true;
            Shell.Run("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], check: false);
        });
        demo.WaitForExit();
        Console.WriteLine(demo.ExitCode == 0 ? "demo stopped" : $"demo failed ({demo.ExitCode}); its logs are in {Path.Combine(Paths.Artifacts, "demo", "logs")}");
        return demo.ExitCode;
    }
}
