using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.LoadTool;

/// <summary>
/// `vigil-load bench hooks --portal-dll PATH`: play-authorization decisions per second of the
/// portal's Flussonic hook, under wrk, against a bare Kestrel process answering the same requests.
/// The portal runs as its own process on SQLite with its production defaults (server GC, the 3 s
/// decision cache); users, groups, cameras and playback tokens are made through its API, as
/// viewers get them. wrk rotates through every token, so the caches hold thousands of entries and
/// refill from the database as they expire, as in production.
/// </summary>
public static class HookBench
{
    private sealed record Options(string PortalDll, int Cameras, int Users, int Groups, int Seconds, int Connections, int Threads, int Rounds);

    /// <param name="ServerCpuMicroseconds">The server process's CPU time (user + system) per request over the run.</param>
    /// <param name="LoadAverage">/proc/loadavg's one-minute figure at the end of the run: how busy the machine was.</param>
    public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx, string SocketErrors,
        double ServerCpuMicroseconds = 0, string LoadAverage = "");

    public static async Task RunAsync(string portalDll, int cameras, int users, int seconds, int connections, int threads, int rounds)
    {
        if (!File.Exists("/usr/bin/wrk"))
        {
            throw new InvalidOperationException("wrk is missing: apt-get install wrk");
        }
        var o = new Options(portalDll, cameras, users, Math.Max(1, users / 10), seconds, connections, threads, rounds);
        var dir = Directory.CreateTempSubdirectory("vigil-bench-hooks-").FullName;
        try
        {
            await MeasureAsync(o, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task MeasureAsync(Options o, string dir)
    {
        Figure("loadavg_at_start", File.ReadAllText("/proc/loadavg").Trim());
        var portalPort = RelayProcess.FreePort();
        await using var portal = await ServerProcess.StartAsync(o.PortalDll,
            ["--listen", $"http://127.0.0.1:{portalPort}", "--database", Path.Combine(dir, "portal.db"), "--password-iterations", "10000"],
            portalPort, "/healthz");
        var barePort = RelayProcess.FreePort();
        // The portal's own runtimeconfig asks for server GC; the bare server gets the same.
        await using var bare = await ServerProcess.StartAsync(typeof(HookBench).Assembly.Location, ["serve-bare", "--listen", $"http://127.0.0.1:{barePort}"],
            barePort, "/hooks/flussonic/warm", new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" });

        var clock = Stopwatch.StartNew();
        var paths = await PrepareAsync(portal, o);
        Figure("setup_seconds", clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture));
        var script = Path.Combine(dir, "rotate.lua");
        File.WriteAllText(script, LuaScript(paths));

        // Both servers see every URL once before the clock runs (JIT, caches); every hook answer must be an allow.
        foreach (var server in new[] { bare, portal })
        {
            using var warm = new HttpClient { BaseAddress = server.BaseAddress };
            var allowed = await ForEachAsync(paths, 8, async p => (await warm.GetAsync(p).ConfigureAwait(false)).StatusCode == HttpStatusCode.OK);
            if (allowed.Count(a => a) != paths.Count)
            {
                throw new InvalidOperationException($"only {allowed.Count(a => a)} of {paths.Count} answers were 200 before the run: the benchmark would measure refusals");
            }
        }

        Figure("tokens", paths.Count.ToString(CultureInfo.InvariantCulture));
        Figure("cameras", o.Cameras.ToString(CultureInfo.InvariantCulture));
        Figure("users", o.Users.ToString(CultureInfo.InvariantCulture));
        Figure("wrk", $"-t{o.Threads} -c{o.Connections} -d{o.Seconds}s --latency, rotating through every token");
        var ratios = new List<double>();
        var hooks = new List<WrkResult>();
        var bares = new List<WrkResult>();
        for (var round = 1; round <= o.Rounds; round++)
        {
            var b = await WrkAsync(bare, script, o);
            var h = await WrkAsync(portal, script, o);
            bares.Add(b);
            hooks.Add(h);
            ratios.Add(h.RequestsPerSecond / b.RequestsPerSecond);
            Report($"round{round}_bare", b);
            Report($"round{round}_hook", h);
            Figure($"round{round}_ratio", ratios[^1].ToString("F3", CultureInfo.InvariantCulture));
        }
        Figure("hook_rps_mean", hooks.Average(r => r.RequestsPerSecond).ToString("F0", CultureInfo.InvariantCulture));
        Figure("hook_p99_ms_worst", hooks.Max(r => r.P99Ms).ToString("F2", CultureInfo.InvariantCulture));
        Figure("bare_rps_mean", bares.Average(r => r.RequestsPerSecond).ToString("F0", CultureInfo.InvariantCulture));
        Figure("ratio_mean", ratios.Average().ToString("F3", CultureInfo.InvariantCulture));
        Figure("portal_rss_mib", (ProcStatus.ResidentBytes(portal.Pid) / 1048576.0).ToString("F1", CultureInfo.InvariantCulture));
        var errors = portal.Output.Split('\n').Count(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("error", StringComparison.OrdinalIgnoreCase));
        Figure("portal_error_lines", errors.ToString(CultureInfo.InvariantCulture));
    }

    private static void Figure(string name, string value) => Console.WriteLine($"{name}: {value}");

    private static void Report(string prefix, WrkResult r)
    {
        Figure($"{prefix}_rps", r.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture));
        Figure($"{prefix}_p50_ms", r.P50Ms.ToString("F2", CultureInfo.InvariantCulture));
        Figure($"{prefix}_p99_ms", r.P99Ms.ToString("F2", CultureInfo.InvariantCulture));
        Figure($"{prefix}_requests", r.Requests.ToString(CultureInfo.InvariantCulture));
        Figure($"{prefix}_non2xx", r.Non2xx.ToString(CultureInfo.InvariantCulture));
        Figure($"{prefix}_server_cpu_us_per_request", r.ServerCpuMicroseconds.ToString("F1", CultureInfo.InvariantCulture));
        Figure($"{prefix}_loadavg_1min", r.LoadAverage);
        if (r.SocketErrors.Length > 0)
        {
            Figure($"{prefix}_socket_errors", r.SocketErrors);
        }
    }

    /// <summary>
    /// A streamer, groups, cameras filed under them, users each a member of one group, and for every
    /// camera the live tokens of two of its group's users: the Flussonic hook URLs wrk will ask.
    /// </summary>
    private static async Task<List<string>> PrepareAsync(ServerProcess portal, Options o)
    {
        var password = portal.Output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("log in at", StringComparison.Ordinal)).Split(' ')[^1];
        using var admin = await LoginAsync(portal.BaseAddress, "admin", password);
        var streamer = await PostAsync(admin, "/api/v1/streamers", new { name = "bench", kind = "flussonic", public_url = "http://127.0.0.1:8080", ingest_url = "rtmp://127.0.0.1/live", capacity = o.Cameras });
        var key = streamer["hook_key"]!.GetValue<string>();
        var groups = Enumerable.Range(0, o.Groups).Select(g => $"g{g:D3}").ToList();
        foreach (var g in groups)
        {
            await PostAsync(admin, "/api/v1/groups", new { name = g });
        }
        var cameras = Enumerable.Range(0, o.Cameras).Select(c => $"cam-{c:D5}").ToList();
        await ForEachAsync(cameras, 4, async c => await PostAsync(admin, "/api/v1/cameras",
            new { name = c, group = groups[int.Parse(c[4..], CultureInfo.InvariantCulture) % o.Groups], streamer = "bench", access = "private", stream_url = "rtsp://127.0.0.1:554/main" }));
        var logins = Enumerable.Range(0, o.Users).Select(u => $"viewer{u:D4}").ToList();
        var viewers = await ForEachAsync(logins, 4, async login =>
        {
            var user = await PostAsync(admin, "/api/v1/users", new { login, password = "bench-password-" + login });
            var id = user["id"]!.GetValue<long>();
            var group = groups[(int)(id % o.Groups)];
            using var put = await admin.PutAsJsonAsync($"/api/v1/groups/{group}/members/{id}", new { can_dvr = false });
            put.EnsureSuccessStatusCode();
            return (Group: group, Client: await LoginAsync(portal.BaseAddress, login, "bench-password-" + login));
        });
        var byGroup = viewers.GroupBy(v => v.Group).ToDictionary(g => g.Key, g => g.Select(v => v.Client).ToList());
        var pairs = cameras.SelectMany((c, i) =>
        {
            var members = byGroup[groups[i % o.Groups]];
            return new[] { (Camera: c, Viewer: members[i / o.Groups % members.Count]), (Camera: c, Viewer: members[(i / o.Groups + members.Count / 2) % members.Count]) };
        }).ToList();
        var random = new Random(42);
        var sessions = pairs.Select(_ => (Session: Guid.NewGuid(), Ip: $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}")).ToList();
        var tokens = await ForEachAsync(pairs, 8, async p =>
        {
            var playback = await p.Viewer.GetFromJsonAsync<JsonNode>($"/api/v1/cameras/{p.Camera}/playback");
            var hls = playback!["live"]!["hls"]!.GetValue<string>();
            return hls[(hls.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        });
        foreach (var v in viewers)
        {
            v.Client.Dispose();
        }
        // What Flussonic sends while a viewer watches: the session's periodic re-check.
        return [.. pairs.Select((p, i) => $"/hooks/flussonic/bench?key={Uri.EscapeDataString(key)}&name={p.Camera}&token={tokens[i]}" +
            $"&ip={sessions[i].Ip}&proto=hls&request_type=update_session&request_number=7&session_id={sessions[i].Session}" +
            $"&stream_clients=2&total_clients={pairs.Count}&duration=30&bytes=1048576&user_agent=Mozilla%2F5.0&referer=https%3A%2F%2Fwatch.example")];
    }

    private static async Task<HttpClient> LoginAsync(Uri portal, string login, string password)
    {
        var client = new HttpClient { BaseAddress = portal };
        using var answer = await client.PostAsJsonAsync("/api/v1/auth/login", new { login, password });
        answer.EnsureSuccessStatusCode();
        var token = (await answer.Content.ReadFromJsonAsync<JsonNode>())!["token"]!.GetValue<string>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonNode> PostAsync(HttpClient client, string path, object body)
    {
        using var answer = await client.PostAsJsonAsync(path, body);
        var text = await answer.Content.ReadAsStringAsync();
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)answer.StatusCode} {text}");
        }
        return JsonNode.Parse(text)!;
    }

    private static async Task<List<TResult>> ForEachAsync<T, TResult>(IReadOnlyList<T> items, int parallel, Func<T, Task<TResult>> work)
    {
        var results = new TResult[items.Count];
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                results[i] = await work(items[i]).ConfigureAwait(false);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(Worker)));
        return [.. results];
    }

    /// <summary>Each wrk thread walks the whole list from its own starting point, one URL per request.</summary>
    private static string LuaScript(IReadOnlyList<string> paths)
    {
        var lua = new StringBuilder("local paths = {\n");
        foreach (var p in paths)
        {
            lua.Append("  \"").Append(p).Append("\",\n");
        }
        lua.Append("""
            }
            local threads = 0
            function setup(thread)
              thread:set("offset", threads * 7919)
              threads = threads + 1
            end
            local i = 0
            function init(args)
              i = (offset or 0) % #paths
            end
            function request()
              i = i % #paths + 1
              return wrk.format("GET", paths[i])
            end
            """);
        return lua.ToString();
    }

    private static async Task<WrkResult> WrkAsync(ServerProcess server, string script, Options o)
    {
        var psi = new ProcessStartInfo("/usr/bin/wrk", [$"-t{o.Threads}", $"-c{o.Connections}", $"-d{o.Seconds}s", "--latency", "-s", script, server.BaseAddress.ToString().TrimEnd('/')])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var cpu = ProcStatus.CpuTime(server.Pid);
        using var wrk = Process.Start(psi)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var used = ProcStatus.CpuTime(server.Pid) - cpu;
        var result = ParseWrk(output);
        return result with
        {
            ServerCpuMicroseconds = used.TotalMicroseconds / Math.Max(1, result.Requests),
            LoadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[0],
        };
    }

    internal static WrkResult ParseWrk(string output)
    {
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        string Line(string prefix) => lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? "";
        var rps = double.Parse(Line("Requests/sec:").Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        var total = lines.FirstOrDefault(l => l.Contains(" requests in ", StringComparison.Ordinal));
        var requests = total is null ? 0 : long.Parse(total.Split(' ')[0], CultureInfo.InvariantCulture);
        var non2xx = Line("Non-2xx or 3xx responses:") is { Length: > 0 } n ? long.Parse(n.Split(':')[1].Trim(), CultureInfo.InvariantCulture) : 0;
        return new WrkResult(rps, Milliseconds(Line("50%")), Milliseconds(Line("99%")), requests, non2xx, Line("Socket errors:"));
    }

    /// <summary>wrk writes latencies as 812.00us, 1.23ms or 1.02s.</summary>
    private static double Milliseconds(string line)
    {
        var value = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        var unit = value.TrimStart("0123456789.".ToCharArray());
        var number = double.Parse(value[..^unit.Length], CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            _ => throw new FormatException($"wrk latency '{value}'"),
        };
    }
}
