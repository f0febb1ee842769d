using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vigil.Build;

/// <summary>
/// `./build.sh demo`: the whole camera path on this machine. Sets the machine up (the media peers:
/// nginx with nginx-rtmp, ffmpeg, GStreamer; the NativeAOT agent; the web portal), builds vigil-demo
/// (stack/Vigil.Demo, with vigil-portal and vigil-archive beside it), then runs it: it starts the
/// portal, nginx-rtmp as its streamer with vigil-archive recording, a GStreamer camera and the agent,
/// approves the agent's device through the portal's API, waits until the camera really plays, and
/// prints where to look. Ctrl-C stops everything it started. `demo --until-playing` stops once it
/// plays and exits 0 (for CI). The set-up lives here, the running in vigil-demo, which the
/// end-to-end tests run as it is.
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
        Console.WriteLine("building vigil-demo with vigil-portal and vigil-archive");
        // The demo references the portal and vigil-archive, so their dlls land beside vigil-demo.dll.
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "stack", "Vigil.Demo", "Vigil.Demo.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly;NoSummary", "-o", output]);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Paths.Root };
        foreach (var a in (string[])[Path.Combine(output, "vigil-demo.dll"), "--agent", agent,
                     "--camera-script", Path.Combine(Paths.Root, "stack", "peers", "camera.py"),
                     "--state", Path.Combine(Paths.Artifacts, "demo"), .. args])
        {
            psi.ArgumentList.Add(a);
        }
        using var demo = Process.Start(psi) ?? throw new BuildException("cannot start vigil-demo");
        // Ctrl-C reaches the whole foreground process group, vigil-demo included, which stops what it
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
