using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Vigil.Protocol.Releases;

namespace Vigil.LoadTool;

/// <summary>
/// `bench ota`: a signed release pushed by one relay to many simulated agents at once (the relay's
/// time, CPU and memory for a rollout of the whole fleet), then to the real AOT agent (its peak
/// resident memory while it downloads, checks and switches).
/// </summary>
public static class OtaBench
{
    public static async Task RunAsync(string relayDll, string agentBinary, int count, int kilobytes, Func<RelayProcess, int, Task<List<SimAgent>>> connect, Action<string, string> figure)
    {
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        var key = RandomNumberGenerator.GetBytes(32);
        var blob = RandomNumberGenerator.GetBytes(kilobytes * 1024);
        byte[] release = [.. ReleaseFormat.Sign(key, "9.9.9", "linux-x64", blob), .. blob];
        await using var relay = await RelayProcess.StartAsync(relayDll, ["--heartbeat-interval", "30", "--heartbeat-timeout", "120"]).ConfigureAwait(false);
        using (var put = await relay.Api.PutAsync("/v1/releases/bench.release", new ByteArrayContent(release)).ConfigureAwait(false))
        {
            put.EnsureSuccessStatusCode();
        }

        var agents = await connect(relay, count).ConfigureAwait(false);
        var devices = JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/sessions").ConfigureAwait(false)).RootElement.EnumerateArray().Select(e => e.GetProperty("device_id").GetString()!).ToList();
        await Task.Delay(3000).ConfigureAwait(false);
        var rssBefore = relay.ResidentBytes();
        var peak = rssBefore;
        var cpuBefore = ProcStatus.CpuTime(relay.Pid);
        var clock = Stopwatch.StartNew();
        foreach (var device in devices)
        {
            using var post = await relay.Api.PostAsJsonAsync($"/v1/sessions/{device}/update", new { release = "bench.release" }).ConfigureAwait(false);
            post.EnsureSuccessStatusCode();
        }
        Dictionary<string, int> states;
        do
        {
            await Task.Delay(250).ConfigureAwait(false);
            peak = Math.Max(peak, relay.ResidentBytes());
            using var all = JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/updates").ConfigureAwait(false));
            states = all.RootElement.EnumerateArray().GroupBy(e => e.GetProperty("state").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        }
        while (states.GetValueOrDefault("sending") > 0 && clock.Elapsed < TimeSpan.FromMinutes(20));
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (ProcStatus.CpuTime(relay.Pid) - cpuBefore).TotalSeconds;
        figure("release_bytes", release.Length.ToString(CultureInfo.InvariantCulture));
        figure("simulated_agents", devices.Count.ToString(CultureInfo.InvariantCulture));
        figure("applied", states.GetValueOrDefault("applied").ToString(CultureInfo.InvariantCulture));
        figure("every_byte_received_and_applied", agents.Count(a => a.Release.Applied).ToString(CultureInfo.InvariantCulture));
        figure("not_applied", (devices.Count - states.GetValueOrDefault("applied")).ToString(CultureInfo.InvariantCulture));
        figure("rollout_seconds", F(seconds));
        figure("relay_mbytes_per_second", F(release.Length * (double)devices.Count / seconds / 1e6));
        figure("relay_cpu_seconds", F(cpu));
        figure("relay_cpu_percent_of_one_core", F(100 * cpu / seconds, "F0"));
        figure("relay_rss_before_mib", F(rssBefore / 1048576.0));
        figure("relay_rss_peak_mib", F(peak / 1048576.0));
        foreach (var a in agents)
        {
            a.Close("bench over");
        }

        if (agentBinary.Length == 0)
        {
            return;
        }
        // The real agent: the same release, signed for it, downloaded, checked and switched to.
        await using var agent = await AgentProcess.StartAsync(agentBinary, relay, [], c => c.ReleaseKey = Convert.ToBase64String(ReleaseFormat.PublicKey(key))).ConfigureAwait(false);
        await Task.Delay(2000).ConfigureAwait(false);
        var idlePeak = ProcStatus.PeakResidentBytes(agent.Pid);
        var updating = Stopwatch.StartNew();
        using (var post = await relay.Api.PostAsJsonAsync($"/v1/sessions/{agent.DeviceId}/update", new { release = "bench.release" }).ConfigureAwait(false))
        {
            post.EnsureSuccessStatusCode();
        }
        var agentPeak = idlePeak;
        string state;
        do
        {
            await Task.Delay(20).ConfigureAwait(false);
            if (!agent.HasExited)
            {
                agentPeak = Math.Max(agentPeak, ProcStatus.PeakResidentBytes(agent.Pid));
            }
            using var progress = JsonDocument.Parse(await relay.Api.GetStringAsync($"/v1/sessions/{agent.DeviceId}/update").ConfigureAwait(false));
            state = progress.RootElement.GetProperty("state").GetString()!;
        }
        while (state == "sending" && updating.Elapsed < TimeSpan.FromMinutes(5));
        if (!agent.HasExited)
        {
            agentPeak = Math.Max(agentPeak, ProcStatus.PeakResidentBytes(agent.Pid));
        }
        figure("agent_update_state", state);
        figure("agent_update_seconds", F(updating.Elapsed.TotalSeconds, "F2"));
        figure("agent_peak_rss_idle_kib", (idlePeak / 1024).ToString(CultureInfo.InvariantCulture));
        figure("agent_peak_rss_updating_kib", (agentPeak / 1024).ToString(CultureInfo.InvariantCulture));
    }
}
