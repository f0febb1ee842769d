using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Vigil.Protocol.Releases;

namespace Vigil.LoadTool;

/// <summary>
/// `bench ota-netem`: one real AOT agent downloads a signed release over a slow link with a cut in
/// the middle. The agent runs in a network namespace whose veth pair to the relay is shaped to 1
/// Mbit/s each way (<see cref="ShapedLink"/>); half way through the push the link goes down for
/// 30 s, long enough for both ends to give the session up (heartbeat_timeout 15 s). Once the link
/// is back and the agent has reconnected by itself, the push is asked for again, as the portal's
/// rollout does, and must go on from the bytes the agent kept on disk, not from zero. Figures: the
/// bytes before the cut, the offset the push resumed from, the total time, the agent's peak
/// resident memory, and whether the binary it stored is the signed one.
/// </summary>
public static class OtaNetemBench
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(string relayDll, string agentBinary, int kilobytes, int kbit, int cutSeconds, Action<string, string> figure)
    {
        if (agentBinary.Length == 0 || agentBinary.EndsWith(".dll", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("ota-netem measures the NativeAOT agent: pass --agent PATH (./build.sh bench ota-netem publishes it)");
        }
        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        var key = RandomNumberGenerator.GetBytes(32);
        var blob = RandomNumberGenerator.GetBytes(kilobytes * 1024);
        byte[] release = [.. ReleaseFormat.Sign(key, "9.9.9", "linux-x64", blob), .. blob];

        using var link = ShapedLink.Create(kbit);
        // Heartbeats short enough that a 30 s cut ends the session at both ends.
        await using var relay = await RelayProcess.StartAsync(relayDll, ["--heartbeat-interval", "5", "--heartbeat-timeout", "15"], agentAddress: link.HostAddress).ConfigureAwait(false);
        using (var put = await relay.Api.PutAsync("/v1/releases/bench.release", new ByteArrayContent(release)).ConfigureAwait(false))
        {
            put.EnsureSuccessStatusCode();
        }
        var dir = Directory.CreateTempSubdirectory("vigil-agent-").FullName;
        var state = Path.Combine(dir, "state");
        var config = AgentConfigFile.For(relay, state);
        config.Serial = "NETEM0001";
        config.ReleaseKey = Convert.ToBase64String(ReleaseFormat.PublicKey(key));
        (config.HeartbeatInterval, config.HeartbeatTimeout, config.ConnectTimeout) = (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5));
        (config.BackoffMin, config.BackoffMax) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        var configPath = config.Write(Path.Combine(dir, AgentConfigFile.FileName));
        var psi = new ProcessStartInfo("ip");
        foreach (var a in link.Exec(agentBinary, "run", "--config", configPath)[1..])
        {
            psi.ArgumentList.Add(a);
        }
        await using var agent = AgentProcess.Launch(psi, state, configPath);
        var device = await Eventually(() => Task.FromResult(agent.ReadDeviceId()), TimeSpan.FromSeconds(30), agent).ConfigureAwait(false);
        var first = await Eventually(() => SessionOf(relay, device), TimeSpan.FromSeconds(30), agent).ConfigureAwait(false);
        await Task.Delay(1000).ConfigureAwait(false);

        long peak = 0;
        void Sample()
        {
            if (!agent.HasExited)
            {
                try
                {
                    peak = Math.Max(peak, ProcStatus.PeakResidentBytes(agent.Pid));
                }
                catch (IOException)
                {
                    // Gone between the check and the read: its last figure stands.
                }
            }
        }
        long Stored() => Directory.Exists(Path.Combine(state, "download"))
            ? Directory.GetFiles(Path.Combine(state, "download"), "*.part").Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max()
            : 0;

        var clock = Stopwatch.StartNew();
        await Push(relay, device).ConfigureAwait(false);
        // To the middle of the release.
        JsonElement progress;
        do
        {
            await Task.Delay(50).ConfigureAwait(false);
            Sample();
            progress = await Progress(relay, device).ConfigureAwait(false);
        }
        while (progress.GetProperty("sent").GetInt64() < release.Length / 2 && progress.GetProperty("state").GetString() == "sending" && clock.Elapsed < Limit);
        if (progress.GetProperty("state").GetString() != "sending")
        {
            throw new InvalidOperationException($"the push ended before the cut: {progress}");
        }
        var beforeCutSeconds = clock.Elapsed.TotalSeconds;
        var sentBeforeCut = progress.GetProperty("sent").GetInt64();

        link.SetCut(true);
        var cut = Stopwatch.StartNew();
        double? relayDropped = null, pushEnded = null;
        while (cut.Elapsed < TimeSpan.FromSeconds(cutSeconds))
        {
            await Task.Delay(250).ConfigureAwait(false);
            Sample();
            relayDropped ??= await SessionOf(relay, device).ConfigureAwait(false) is null ? cut.Elapsed.TotalSeconds : null;
            pushEnded ??= (await Progress(relay, device).ConfigureAwait(false)).GetProperty("state").GetString() != "sending" ? cut.Elapsed.TotalSeconds : null;
        }
        var afterCut = await Progress(relay, device).ConfigureAwait(false);
        var storedAtCut = Stored();
        link.SetCut(false);
        var restored = Stopwatch.StartNew();

        // The agent comes back by itself, on a new session.
        var second = await Eventually(async () => await SessionOf(relay, device).ConfigureAwait(false) is { } s && s != first ? s : null, TimeSpan.FromSeconds(60), agent).ConfigureAwait(false);
        var backAfter = restored.Elapsed.TotalSeconds;
        // A push still running on the dead session would be a defect of the relay: it ends with its link.
        var before = await Eventually(async () => await Progress(relay, device).ConfigureAwait(false) is var p && p.GetProperty("state").GetString() != "sending" ? p.ToString() : null,
            TimeSpan.FromSeconds(30), agent).ConfigureAwait(false);
        var storedAtResume = Stored();
        await Push(relay, device).ConfigureAwait(false);
        do
        {
            await Task.Delay(50).ConfigureAwait(false);
            Sample();
            progress = await Progress(relay, device).ConfigureAwait(false);
        }
        while (progress.GetProperty("state").GetString() == "sending" && clock.Elapsed < Limit);
        var total = clock.Elapsed.TotalSeconds;
        var resumedFrom = progress.GetProperty("resumed_from").GetInt64();
        await Eventually(() => Task.FromResult(agent.HasExited ? "exited" : null), TimeSpan.FromSeconds(10), agent).ConfigureAwait(false);
        var stored = Path.Combine(state, "releases", "vigil-agent-9.9.9");
        var intact = File.Exists(stored) && File.ReadAllBytes(stored).AsSpan().SequenceEqual(blob);

        figure("link", $"{N(kbit)} kbit/s each way ({link.Shaper}), cut {N(cutSeconds)} s by setting the agent's end down");
        figure("release_bytes", N(release.Length));
        figure("seconds_to_the_cut", F(beforeCutSeconds));
        figure("bytes_before_cut_relay_sent", N(sentBeforeCut));
        figure("bytes_stored_by_the_agent_at_the_cut", N(storedAtCut));
        figure("relay_dropped_the_session_s_into_cut", relayDropped is { } d ? F(d) : "no");
        figure("push_ended_s_into_cut", pushEnded is { } e ? F(e) : "no");
        figure("push_state_after_cut", $"{afterCut.GetProperty("state").GetString()} ({(afterCut.TryGetProperty("error", out var why) ? why.GetString() : "")})");
        figure("agent_back_s_after_restore", F(backAfter));
        figure("bytes_stored_when_pushed_again", N(storedAtResume));
        figure("resumed_from", N(resumedFrom));
        figure("resumed_where_it_stopped", resumedFrom == storedAtResume && resumedFrom > 0 ? "yes" : $"NO (previous push: {before})");
        figure("final_state", progress.GetProperty("state").GetString()!);
        figure("agent_exit_code", agent.HasExited ? N(agent.ExitCode) : "running");
        figure("stored_binary_is_the_signed_one", intact ? "yes" : "NO");
        figure("total_seconds_with_the_cut", F(total));
        figure("agent_peak_rss_kib", N(peak / 1024));
        if (!intact || resumedFrom != storedAtResume || progress.GetProperty("state").GetString() != "applied" || second == first)
        {
            throw new InvalidOperationException($"the download over the cut link did not complete as it should; the agent's log:\n{agent.Log}");
        }
    }

    private static async Task Push(RelayProcess relay, string device)
    {
        using var post = await relay.Api.PostAsJsonAsync($"/v1/sessions/{device}/update", new { release = "bench.release" }).ConfigureAwait(false);
        post.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> Progress(RelayProcess relay, string device)
    {
        using var doc = JsonDocument.Parse(await relay.Api.GetStringAsync($"/v1/sessions/{device}/update").ConfigureAwait(false));
        return doc.RootElement.Clone();
    }

    private static async Task<string?> SessionOf(RelayProcess relay, string device)
    {
        using var sessions = JsonDocument.Parse(await relay.Api.GetStringAsync("/v1/sessions").ConfigureAwait(false));
        return sessions.RootElement.EnumerateArray()
            .Where(s => s.GetProperty("device_id").GetString() == device)
            .Select(s => s.GetProperty("session_id").GetString())
            .FirstOrDefault();
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value; throws with the agent's log after <paramref name="limit"/>.</summary>
    private static async Task<string> Eventually(Func<Task<string?>> probe, TimeSpan limit, AgentProcess agent)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await probe().ConfigureAwait(false) is { } value)
            {
                return value;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds} s in vain; the agent's log:\n{agent.Log}");
    }
}
