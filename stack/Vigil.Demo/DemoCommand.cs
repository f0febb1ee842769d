using System.Diagnostics;
using System.Globalization;
using Vigil.Stack;

namespace Vigil.Demo;

/// <summary>
/// vigil-demo: brings up a <see cref="VigilStack"/> whose streamer node records for vigil-archive,
/// does what an operator does for one camera (a camera record with a day of archive, the agent's
/// device approved and bound to it), waits until the viewer's HLS really plays, and says where to
/// look. Ctrl-C (or SIGTERM) stops everything it started; --until-playing stops it and exits 0 once
/// the stream plays, for a test or CI.
/// </summary>
public static class DemoCommand
{
    public const string CameraName = "demo-camera";
    public const string Serial = "DEMO-0001";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Opt(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var agent = Opt("--agent");
        var script = Opt("--camera-script");
        var state = Opt("--state");
        if (agent is null || script is null || state is null)
        {
            Console.Error.WriteLine("usage: vigil-demo --agent PATH --camera-script PATH --state DIR [--portal-dll PATH] [--archive-dll PATH] [--until-playing] [--free-ports]");
            return 2;
        }
        foreach (var (what, path) in new[] { ("agent", agent), ("camera script", script), ("ffprobe", "/usr/bin/ffprobe"), ("nginx", "/usr/sbin/nginx"), ("nginx-rtmp", MediaPeers.NginxRtmpModule), ("njs", MediaPeers.NginxJsModule), ("vigil-archive", Opt("--archive-dll") ?? Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll")) })
        {
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"demo: the {what} is missing: {path}");
                return 2;
            }
        }
        var untilPlaying = args.Contains("--until-playing");
        // Fixed ports by default, so that the addresses printed stay the same from one run to the next.
        var free = args.Contains("--free-ports");
        var options = new StackOptions(Opt("--portal-dll") ?? Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), agent, script, Path.GetFullPath(state))
        {
            // The streamer node records: the camera page's timeline shows the recording and plays it back.
            ArchiveDll = Opt("--archive-dll") ?? Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"),
            PortalPort = free ? 0 : 8480,
            RelayPort = free ? 0 : 7443,
            StreamerHttpPort = free ? 0 : 8481,
            StreamerRtmpPort = free ? 0 : 1935,
        };
        foreach (var port in new[] { options.PortalPort, options.RelayPort, options.StreamerHttpPort, options.StreamerRtmpPort }.Where(p => p != 0))
        {
            if (InUse(port))
            {
                Console.Error.WriteLine($"demo: port {port} on 127.0.0.1 is taken (another demo running?): stop what holds it, or run with --free-ports");
                return 1;
            }
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, s =>
        {
            s.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return await RunAsync(options, untilPlaying, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
        {
            Console.Error.WriteLine($"demo: {e.Message}");
            return 1;
        }
    }

    private static bool InUse(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return true;
        }
    }

    private static async Task<int> RunAsync(StackOptions options, bool untilPlaying, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        void Step(string what) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1} s] {what}");
        Step("starting vigil-portal (SQLite, embedded relay), and nginx-rtmp as its streamer with vigil-archive recording beside it");
        await using var stack = await VigilStack.StartAsync(options).ConfigureAwait(false);
        Step($"portal at {stack.PortalUrl}, relay on 127.0.0.1:{stack.RelayPort}, streamer '{VigilStack.StreamerName}' made; starting the camera and its agent");
        var (camera, device) = await stack.AddCameraAsync(Serial).ConfigureAwait(false);
        var seen = await stack.DeviceAsync(device).ConfigureAwait(false);
        Step($"device {device} (serial {Serial}) is {seen["state"]} in the portal; making camera '{CameraName}' for {camera.RtspUrl}");
        await stack.CreateCameraAsync(CameraName, camera.RtspUrl, dvrDepthDays: 1).ConfigureAwait(false);
        await stack.ApproveAsync(device).ConfigureAwait(false);
        await stack.BindAsync(device, CameraName).ConfigureAwait(false);
        Step("approved and bound: the portal sent the agent its assignment; waiting for the stream to play");
        var (hls, mpegts) = await VigilStack.PlaybackAsync(stack.Portal.Api, CameraName).ConfigureAwait(false);
        var took = await VigilStack.WaitPlayingAsync(hls, TimeSpan.FromSeconds(90)).ConfigureAwait(false);
        Step($"playing (ffprobe decoded frames of the HLS {took.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s after binding)");
        var ts = mpegts is null ? "none: the streamer serves HLS only" : $"""
            vlc "{mpegts}"
                          ffplay "{mpegts}"
            """;
        Console.WriteLine($"""

            Vigil demo is running{(untilPlaying ? "" : " (Ctrl-C stops it)")}:
              portal      {stack.PortalUrl}  (API: {stack.PortalUrl}api/v1/, docs/api.md)
              login       admin / {stack.Portal.AdminPassword}
              camera      {CameraName}: GStreamer test camera {camera.RtspUrl}, agent device {device}
              camera page {stack.PortalUrl}#/camera/{CameraName}  (live, and the archive's timeline: the recording shows there within a minute and plays back)
              watch (HLS) ffplay "{hls}"
                          vlc "{hls}"
              MPEG-TS     {ts}
              new URL     curl -s -H "Authorization: Bearer $SESSION" {stack.PortalUrl}api/v1/cameras/{CameraName}/playback
                          ($SESSION from POST {stack.PortalUrl}api/v1/auth/login with the login above)
              archive     vigil-archive records every camera to {stack.ArchiveDir}/ (files of {options.RecordInterval}, kept by each camera's depth)
              logs        {stack.LogDir}/ (portal, nginx, archive, agent-{Serial}, camera-{Serial}), nginx: {stack.NginxDir}/error.log
            """);
        if (!untilPlaying)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        Console.WriteLine("stopping the demo");
        return 0;
    }
}
