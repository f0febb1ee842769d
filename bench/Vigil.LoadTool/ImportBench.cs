using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Vigil.LoadTool;

/// <summary>
/// `bench import`: a CSV file of cameras in every Watcher column, POSTed in one request to a portal
/// process the way billing sends it, once on SQLite and once on PostgreSQL. Measures the time to the
/// answer (and the portal's CPU time) for a file of new cameras, for the same cameras changed, and
/// for the same file again; and the portal's resident memory while it imports. The body is generated as it is sent, so the
/// load tool holds no file either.
/// </summary>
public static class ImportBench
{
    private const string Header = "name,title,stream_url,substream_url,dvr_depth,enabled,access,group,agent_serial,coordinates,postal_address,comment,streamer";

    public static async Task RunAsync(string portalDll, string postgres, int rows, int heapLimitMib)
    {
        if (!File.Exists(portalDll))
        {
            throw new InvalidOperationException($"--portal-dll: no {portalDll}");
        }
        Figure("rows", rows.ToString(CultureInfo.InvariantCulture));
        Figure("body_mib", (new CameraCsv(rows, "new").Size() / 1048576.0).ToString("F1", CultureInfo.InvariantCulture));
        Figure("gc_heap_hard_limit_mib", heapLimitMib > 0 ? heapLimitMib.ToString(CultureInfo.InvariantCulture) : "none");
        // The machine may be shared: its load says how far the times are from an idle machine's; the
        // portal's CPU time per import hardly depends on it.
        Figure("load_average_1m_at_start", File.ReadAllText("/proc/loadavg").Split(' ')[0]);

        var dir = Directory.CreateTempSubdirectory("vigil-import-bench-").FullName;
        try
        {
            await RunOneAsync("sqlite", portalDll, Path.Combine(dir, "portal.db"), rows, heapLimitMib).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        if (postgres.Length == 0)
        {
            Console.WriteLine("postgres: skipped (no --postgres connection string)");
            return;
        }
        var name = "vigil_bench_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(postgres, $"CREATE DATABASE {name}").ConfigureAwait(false);
        try
        {
            await RunOneAsync("postgres", portalDll, new NpgsqlConnectionStringBuilder(postgres) { Database = name }.ToString(), rows, heapLimitMib).ConfigureAwait(false);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)").ConfigureAwait(false);
        }
    }

    private static async Task RunOneAsync(string label, string portalDll, string database, int rows, int heapLimitMib)
    {
        var environment = new Dictionary<string, string>();
        if (heapLimitMib > 0)
        {
            environment["DOTNET_GCHeapHardLimit"] = "0x" + (heapLimitMib * 1048576L).ToString("X", CultureInfo.InvariantCulture);
        }
        await using var portal = await PortalProcess.StartAsync(portalDll, database, environment).ConfigureAwait(false);
        // Billing files a camera under its customer: every tenth names a group.
        (await portal.Api.PostAsJsonAsync("/api/v1/groups", new { name = "customer-1" }).ConfigureAwait(false)).EnsureSuccessStatusCode();
        await Task.Delay(2000).ConfigureAwait(false);
        Figure($"{label}_portal_rss_idle_mib", Mib(portal.ResidentBytes()));

        using var sampling = new CancellationTokenSource();
        long peak = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, portal.ResidentBytes());
                await Task.Delay(20).ConfigureAwait(false);
            }
        });
        await ImportAsync(portal, label, "create", new CameraCsv(rows, "new"), rows, created: true).ConfigureAwait(false);
        await ImportAsync(portal, label, "update", new CameraCsv(rows, "changed"), rows, created: false).ConfigureAwait(false);
        await ImportAsync(portal, label, "unchanged", new CameraCsv(rows, "changed"), rows, created: false).ConfigureAwait(false);
        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        Figure($"{label}_portal_rss_peak_mib", Mib(peak));
        Figure($"{label}_portal_rss_high_water_mib", Mib(portal.PeakResidentBytes()));
    }

    private static async Task ImportAsync(PortalProcess portal, string label, string what, CameraCsv body, int rows, bool created)
    {
        var cpu = portal.CpuTime();
        var clock = Stopwatch.StartNew();
        using var response = await portal.Api.PostAsync("/api/v1/cameras/import", body).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        cpu = portal.CpuTime() - cpu;
        var json = response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(text) : null;
        var expected = (created ? rows : 0, created ? 0 : rows);
        if (json is null || (json["created"]!.GetValue<int>(), json["updated"]!.GetValue<int>()) != expected)
        {
            throw new InvalidOperationException($"{label} {what}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 2000)]}\n{portal.Log}");
        }
        Figure($"{label}_{what}_seconds", seconds.ToString("F2", CultureInfo.InvariantCulture));
        Figure($"{label}_{what}_rows_per_second", (rows / seconds).ToString("F0", CultureInfo.InvariantCulture));
        Figure($"{label}_{what}_portal_cpu_seconds", cpu.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static void Figure(string name, string value) => Console.WriteLine($"{name}: {value}");

    /// <summary>Camera lines made as the connection takes them (chunked, no length); <c>tag</c> goes into each title.</summary>
    private sealed class CameraCsv(int rows, string tag) : HttpContent
    {
        private static readonly string[] Access = ["private", "authorized", "public"];

        public long Size()
        {
            long size = Encoding.UTF8.GetByteCount(Header) + 1;
            for (var i = 0; i < rows; i++)
            {
                size += Encoding.UTF8.GetByteCount(Line(i)) + 1;
            }
            return size;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var buffer = new MemoryStream(64 * 1024);
            buffer.Write(Encoding.UTF8.GetBytes(Header + "\n"));
            for (var i = 0; i < rows; i++)
            {
                buffer.Write(Encoding.UTF8.GetBytes(Line(i) + "\n"));
                if (buffer.Length >= 60 * 1024 || i == rows - 1)
                {
                    await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                    buffer.SetLength(0);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        private string Line(int i)
        {
            var ip = $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}";
            return string.Create(CultureInfo.InvariantCulture,
                $"cam{i:D6},Camera {i} ({tag}),rtsp://{ip}:554/Streaming/Channels/101,rtsp://{ip}:554/Streaming/Channels/102,{i % 31},{(i % 17 != 0 ? "true" : "false")}," +
                $"{Access[i % 3]},{(i % 10 == 0 ? "customer-1" : "")},VGL{i:D8},\"55.{i % 1000:D3},37.{i % 997:D3}\",\"{i} Main Street, Springfield\",from billing,");
        }
    }
}
