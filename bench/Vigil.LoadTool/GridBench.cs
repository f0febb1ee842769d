using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Protocol.Noise;

namespace Vigil.LoadTool;

/// <summary>
/// `bench grid`: what a grid of 50 cameras costs the browser and the streamer, with stills against
/// with a live player per tile. The portal (its own process, SQLite, serving the built web portal)
/// with a fleet of simulated cameras behind simulated agents and one relay (<see cref="SimCameraFleet"/>:
/// the stills come from each camera's GetSnapshotUri through its agent's tunnel); the shipped
/// nginx-rtmp streamer asking the portal's hooks; each camera's stream published to nginx by ffmpeg
/// (a small H.264 clip looped, -c copy) to the target and with the token of the assignment the
/// portal sent its agent. Debian's Chromium (playwright-core) opens #/cameras for the window, then
/// #/cameras/live; for each window the CPU time of every Chromium process, their resident memory
/// at its end, nginx's and the portal's CPU, and the bytes the page received from each origin.
/// A window with no browser first gives what nginx and the portal spend on the publishing alone.
/// </summary>
public static class GridBench
{
    public sealed record Options(string PortalDll, string RelayDll, int Cameras, int Seconds);

    public static async Task RunAsync(Options o, INoiseAeadFactory aead, INoiseDh dh, Action<string, string> figure)
    {
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        var root = Repository.Root;
        var web = Path.Combine(root, "portal-web", "dist");
        if (!File.Exists(Path.Combine(web, "index.html")) || !Directory.Exists(Path.Combine(root, "portal-web", "node_modules", "playwright-core")))
        {
            throw new InvalidOperationException($"the web portal must be built ({web}) with its node_modules: ./build.sh build");
        }
        var dir = Directory.CreateTempSubdirectory("vigil-bench-grid-").FullName;
        var publishers = new List<PeerProcess>();
        try
        {
            figure("loadavg_at_start", File.ReadAllText("/proc/loadavg").Trim());
            await using var portal = await PortalProcess.StartAsync(o.PortalDll, Path.Combine(dir, "portal.db"), SimCameraFleet.PortalEnvironment(o.Cameras),
                ["--web-root", web]).ConfigureAwait(false);
            var rtmpPort = RelayProcess.FreePort();
            var httpPort = RelayProcess.FreePort();
            using var created = await portal.Api.PostAsJsonAsync("/api/v1/streamers", new
            {
                name = "rtmp-1", kind = "nginx-rtmp", api_url = $"http://127.0.0.1:{httpPort}/healthz", public_url = $"http://127.0.0.1:{httpPort}",
                ingest_url = $"rtmp://127.0.0.1:{rtmpPort}/live", capacity = o.Cameras * 2,
            }).ConfigureAwait(false);
            created.EnsureSuccessStatusCode();
            var hookKey = JsonNode.Parse(await created.Content.ReadAsStringAsync().ConfigureAwait(false))!["hook_key"]!.GetValue<string>();
            var hook = $"{portal.BaseAddress.ToString().TrimEnd('/')}/hooks/nginx-rtmp/rtmp-1?key={Uri.EscapeDataString(hookKey)}";
            var (nginx, _) = await MediaPeers.StartNginxStreamerAsync(Path.Combine(dir, "nginx"), rtmpPort, httpPort, hook).ConfigureAwait(false);
            await using var _ = nginx;

            await using var fleet = await SimCameraFleet.StartAsync(o.RelayDll, portal, dir, o.Cameras, aead, dh, figure).ConfigureAwait(false);
            await fleet.ImportAsync(portal, "rtmp-1").ConfigureAwait(false);
            await fleet.BindAndApproveAsync(portal, () => { }).ConfigureAwait(false);

            // One clip, encoded once: every camera publishes it looped without re-encoding.
            var clip = Path.Combine(dir, "clip.flv");
            await using (var encode = PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
                             "-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-b:v", "500k", "-pix_fmt", "yuv420p", "-f", "flv", clip]))
            {
                await Poll.WithinAsync(TimeSpan.FromMinutes(2), () => Task.FromResult(encode.HasExited)).ConfigureAwait(false);
            }
            for (var i = 0; i < fleet.Agents.Count; i++)
            {
                var agent = fleet.Agents[i];
                if (await Poll.WithinAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(agent.Assignment is not null)).ConfigureAwait(false) is null)
                {
                    throw new InvalidOperationException($"{SimCameraFleet.CameraName(i)}: its agent got no assignment\n{portal.Log}");
                }
                using var assignment = JsonDocument.Parse(agent.Assignment!);
                var target = assignment.RootElement.GetProperty("target").GetString()!;
                var token = assignment.RootElement.GetProperty("token").GetString()!;
                publishers.Add(PeerProcess.Start("ffmpeg", "/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip,
                    "-c", "copy", "-f", "flv", $"{target}?token={Uri.EscapeDataString(token)}"]));
            }
            var hls = Path.Combine(dir, "nginx", "hls");
            var publishing = await Poll.WithinAsync(TimeSpan.FromSeconds(60), () =>
                Task.FromResult(Directory.Exists(hls) && Directory.GetFiles(hls, "*.m3u8", SearchOption.AllDirectories).Length >= o.Cameras)).ConfigureAwait(false);
            figure("cameras", o.Cameras.ToString(CultureInfo.InvariantCulture));
            figure("cameras_with_hls", (Directory.Exists(hls) ? Directory.GetFiles(hls, "*.m3u8", SearchOption.AllDirectories).Length : 0).ToString(CultureInfo.InvariantCulture));
            figure("publishers_running", publishers.Count(p => !p.HasExited).ToString(CultureInfo.InvariantCulture));
            if (publishing is null)
            {
                throw new InvalidOperationException($"not every camera reached nginx's HLS\n{string.Join('\n', publishers.Where(p => p.HasExited).Select(p => p.Output).Take(3))}");
            }

            // The publishing alone, no browser.
            var idle = Reading.Take(portal.Pid, nginx.Pid, []);
            await Task.Delay(TimeSpan.FromSeconds(o.Seconds)).ConfigureAwait(false);
            Report("no_browser", idle, Reading.Take(portal.Pid, nginx.Pid, []), figure);

            Environment.SetEnvironmentVariable("VIGIL_WEB_CONFIG", new JsonObject
            {
                ["url"] = portal.BaseAddress.ToString().TrimEnd('/'),
                ["admin"] = new JsonObject { ["login"] = "admin", ["password"] = portal.AdminPassword },
                ["cameras"] = o.Cameras,
                ["seconds"] = o.Seconds,
            }.ToJsonString());
            var e2e = Path.Combine(root, "portal-web", "e2e");
            await using var node = PeerProcess.Start("node", "/usr/bin/node", [Path.Combine(e2e, "grid-cost.mjs")], e2e);
            foreach (var phase in new[] { "stills", "live" })
            {
                await node.WaitForLineAsync($"PHASE {phase} begin", TimeSpan.FromMinutes(3)).ConfigureAwait(false);
                var begin = Reading.Take(portal.Pid, nginx.Pid, Descendants(node.Pid));
                await node.WaitForLineAsync($"PHASE {phase} end", TimeSpan.FromSeconds(o.Seconds + 60)).ConfigureAwait(false);
                var end = Reading.Take(portal.Pid, nginx.Pid, Descendants(node.Pid));
                Report(phase, begin, end, figure);
            }
            var result = await node.WaitForLineAsync("RESULT ", TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            var seen = JsonNode.Parse(result["RESULT ".Length..])!.AsObject();
            if (seen["error"] is { } error)
            {
                throw new InvalidOperationException($"the browser scenario failed: {error}\n{node.Output}");
            }
            foreach (var phase in new[] { "stills", "live" })
            {
                figure($"{phase}_tiles", seen[phase]!["tiles"]!.ToJsonString());
                figure($"{phase}_tiles_showing", seen[phase]!["showing"]!.ToJsonString());
                foreach (var (origin, bytes) in seen[phase]!["bytes_by_origin"]!.AsObject())
                {
                    var who = origin.EndsWith($":{httpPort}", StringComparison.Ordinal) ? "nginx" : origin == portal.BaseAddress.ToString().TrimEnd('/') ? "portal" : origin;
                    figure($"{phase}_browser_received_from_{who}_mib", F(bytes!.GetValue<double>() / 1048576.0, "F2"));
                }
            }
            figure("loadavg_at_end", File.ReadAllText("/proc/loadavg").Trim());
        }
        finally
        {
            foreach (var p in publishers)
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void Report(string phase, Reading begin, Reading end, Action<string, string> figure)
    {
        static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var seconds = (end.At - begin.At).TotalSeconds;
        figure($"{phase}_seconds", F(seconds));
        figure($"{phase}_nginx_cpu_percent_of_one_core", F(100 * (end.Nginx - begin.Nginx).TotalSeconds / seconds));
        figure($"{phase}_portal_cpu_percent_of_one_core", F(100 * (end.Portal - begin.Portal).TotalSeconds / seconds));
        if (end.BrowserProcesses > 0)
        {
            // A process that ended inside the window is not in the end reading; one born in it counts from zero.
            var browser = end.Browser.Sum(p => (p.Value - begin.Browser.GetValueOrDefault(p.Key)).TotalSeconds);
            figure($"{phase}_chromium_cpu_seconds", F(browser));
            figure($"{phase}_chromium_cpu_percent_of_one_core", F(100 * browser / seconds));
            figure($"{phase}_chromium_processes", end.BrowserProcesses.ToString(CultureInfo.InvariantCulture));
            figure($"{phase}_chromium_rss_sum_mib_at_end", F(end.BrowserResident / 1048576.0));
            figure($"{phase}_chromium_pss_sum_mib_at_end", F(end.BrowserProportional / 1048576.0));
        }
    }

    /// <summary>Every process below <paramref name="pid"/> (the browser node started), from /proc.</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                    parents[p] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }
        var found = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (child, of) in parents)
            {
                if (of == parent)
                {
                    found.Add(child);
                    queue.Enqueue(child);
                }
            }
        }
        return found;
    }

    /// <summary>
    /// CPU times, and the browser's memory, at one moment: the sum of its processes' resident sets
    /// (what they share counted in each) and of their proportional sets (shared pages divided among
    /// the processes that map them: the sum is what the browser holds).
    /// </summary>
    private sealed record Reading(DateTime At, TimeSpan Portal, TimeSpan Nginx, Dictionary<int, TimeSpan> Browser, int BrowserProcesses, long BrowserResident,
        long BrowserProportional)
    {
        public static Reading Take(int portal, int nginx, List<int> browser)
        {
            var cpu = new Dictionary<int, TimeSpan>();
            long resident = 0, proportional = 0;
            foreach (var pid in browser)
            {
                try
                {
                    cpu[pid] = ProcStatus.CpuTime(pid);
                    resident += ProcStatus.ResidentBytes(pid);
                    var pss = File.ReadLines($"/proc/{pid}/smaps_rollup").First(l => l.StartsWith("Pss:", StringComparison.Ordinal));
                    proportional += long.Parse(pss[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    // Ended meanwhile.
                }
            }
            return new Reading(DateTime.UtcNow, ProcStatus.CpuTime(portal), ProcStatus.CpuTime(nginx), cpu, cpu.Count, resident, proportional);
        }
    }
}
