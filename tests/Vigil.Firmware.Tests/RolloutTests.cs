using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// Rollouts from the portal to the real AOT agent, each installed from the package with its init
/// script in a busybox root: a real vigil-portal process with its embedded relay, the release
/// uploaded through the portal's API and pushed by the relay over each agent's own link, each wave
/// judged by the versions the agents' hellos report after their restart.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RolloutTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    private sealed class Fleet : IAsyncDisposable
    {
        private readonly List<MinimalRoot> _roots = [];

        private Fleet(PortalProcess portal, string dir, int agentPort)
        {
            Portal = portal;
            Dir = dir;
            AgentPort = agentPort;
        }

        public PortalProcess Portal { get; }
        public string Dir { get; }
        public int AgentPort { get; }
        public HttpClient Api => Portal.Api;

        public static async Task<Fleet> StartAsync()
        {
            var dir = TestEnv.TempDir();
            var agentPort = RelayProcess.FreePort();
            var portal = await PortalProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), Path.Combine(dir, "portal.db"),
                new Dictionary<string, string> { ["VIGIL_PORTAL_ReleaseKeys"] = TestReleases.PublicKey, ["VIGIL_PORTAL_RolloutTickSeconds"] = "0.5" },
                ["--data-dir", Path.Combine(dir, "data"), "--embedded-relay", $"127.0.0.1:{agentPort}", "--embedded-relay-api", $"127.0.0.1:{RelayProcess.FreePort()}"]);
            return new Fleet(portal, dir, agentPort);
        }

        /// <summary>An agent installed from the package in a busybox root, dialing the embedded relay; approved; returns its device id.</summary>
        public async Task<(MinimalRoot Root, string Device)> AgentAsync(string serial)
        {
            string? relayKey = null;
            Assert.That(await TestEnv.WaitUntil(async () =>
                (relayKey = JsonNode.Parse(await Api.GetStringAsync("/api/v1/relays"))!.AsArray().FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded")?["public_key"]?.GetValue<string>()) is { Length: > 0 },
                TimeSpan.FromSeconds(30)), Is.True, "the embedded relay registers itself");
            var root = MinimalRoot.Create(busybox: true);
            _roots.Add(root);
            root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
            var install = PackageTests.ExtractInto(root);
            var (code, output) = root.Run(TimeSpan.FromSeconds(60), "/bin/sh", install, "--relay", $"127.0.0.1:{AgentPort}", "--relay-key", relayKey!,
                "--serial", serial, "--release-key", TestReleases.PublicKey);
            Assert.That(code, Is.EqualTo(0), output);
            var idFile = root.Combine("/var/lib/vigil-agent/agent.id");
            Assert.That(await TestEnv.WaitUntil(async () => File.Exists(idFile)
                && (await Api.GetAsync($"/api/v1/devices/{File.ReadAllText(idFile).Trim()}")).StatusCode == HttpStatusCode.OK, Long), Is.True, PackageTests.Log(root));
            var device = File.ReadAllText(idFile).Trim();
            await VigilStack.PostAsync(Api, $"/api/v1/devices/{device}/approve", new { }, HttpStatusCode.OK);
            return (root, device);
        }

        public async Task<JsonNode> DeviceAsync(string id) => JsonNode.Parse(await Api.GetStringAsync($"/api/v1/devices/{id}"))!;

        public async Task<long> UploadAsync(string version, byte[] binary)
        {
            using var answer = await Api.PostAsync("/api/v1/releases", new ByteArrayContent(TestReleases.Make(version, binary)));
            var text = await answer.Content.ReadAsStringAsync();
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
            return JsonNode.Parse(text)!["id"]!.GetValue<long>();
        }

        /// <summary>Waits until the rollout leaves "running"; returns its view.</summary>
        public async Task<JsonNode> SettledAsync(long rollout)
        {
            JsonNode view = null!;
            await TestEnv.WaitUntil(async () => (view = JsonNode.Parse(await Api.GetStringAsync($"/api/v1/rollouts/{rollout}"))!)["rollout"]!["state"]!.GetValue<string>() != "running", Long);
            return view;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var root in _roots)
            {
                PackageTests.KillLeftovers(root);
            }
            await Portal.DisposeAsync();
        }

        public string Logs() => string.Join("\n", _roots.Select(PackageTests.Log)) + "\n" + Portal.Log;
    }

    private static JsonNode Of(JsonNode view, string device) =>
        view["devices"]!.AsArray().Single(d => d!["device_id"]!.GetValue<string>() == device)!;

    [Test]
    public async Task ARolloutToAGroupUpdatesItsAgentsAndADowngradeIsRefusedUnlessForced()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        await using var fleet = await Fleet.StartAsync();
        var (_, first) = await fleet.AgentAsync("ROLL-G1");
        var (_, second) = await fleet.AgentAsync("ROLL-G2");
        var (_, outside) = await fleet.AgentAsync("ROLL-X1");
        Assert.That((await fleet.DeviceAsync(first))["rid"]!.GetValue<string>(), Is.EqualTo("linux-x64"), "the agent says its RID in its hello");
        await VigilStack.PostAsync(fleet.Api, "/api/v1/groups", new { name = "lobby" }, HttpStatusCode.Created);
        foreach (var (device, camera) in new[] { (first, "lobby-1"), (second, "lobby-2") })
        {
            await VigilStack.PostAsync(fleet.Api, "/api/v1/cameras", new { name = camera, title = camera, stream_url = "rtsp://127.0.0.1:9/none", group = "lobby" }, HttpStatusCode.Created);
            await VigilStack.PostAsync(fleet.Api, $"/api/v1/devices/{device}/bind", new { camera }, HttpStatusCode.OK);
        }

        // The same agent binary, signed as 0.2.0: the agents restart into it and report 0.2.0.
        var agent = File.ReadAllBytes(TestEnv.Agent);
        var release = await fleet.UploadAsync("0.2.0", agent);
        var created = await VigilStack.PostAsync(fleet.Api, "/api/v1/rollouts", new { release_id = release, target = "group", group = "lobby", waves = new[] { "1", "rest" }, come_back_seconds = 90 }, HttpStatusCode.Created);
        var id = created["rollout"]!["id"]!.GetValue<long>();
        Assert.That(created["wave_progress"]!.AsArray().Select(w => w!["devices"]!.GetValue<int>()), Is.EqualTo(new[] { 1, 1 }), created.ToJsonString());
        var done = await fleet.SettledAsync(id);
        Assert.That(done["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("done"), done.ToJsonString() + "\n" + fleet.Logs());
        foreach (var device in new[] { first, second })
        {
            Assert.That(Of(done, device)["state"]!.GetValue<string>(), Is.EqualTo("updated"));
            var shown = await fleet.DeviceAsync(device);
            Assert.That(shown["agent_version"]!.GetValue<string>(), Is.EqualTo("0.2.0"), "the portal shows the version the agent's hello reports");
            Assert.That(shown["update_state"]!.GetValue<string>(), Is.EqualTo("updated"));
        }
        Assert.That((await fleet.DeviceAsync(outside))["agent_version"]!.GetValue<string>(), Is.EqualTo("0.1.0"), "a device outside the group is left alone");

        // Back to 0.1.0 (a rollback by rollout): refused while the downgrade is not forced.
        var old = await fleet.UploadAsync("0.1.0", agent);
        using (var refused = await fleet.Api.PostAsJsonAsync("/api/v1/rollouts", new { release_id = old, target = "device", device = first }))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("a downgrade must be forced"));
        }
        var forced = await VigilStack.PostAsync(fleet.Api, "/api/v1/rollouts", new { release_id = old, target = "device", device = first, downgrade = true, come_back_seconds = 90 }, HttpStatusCode.Created);
        var back = await fleet.SettledAsync(forced["rollout"]!["id"]!.GetValue<long>());
        Assert.That(back["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("done"), back.ToJsonString() + "\n" + fleet.Logs());
        Assert.That((await fleet.DeviceAsync(first))["agent_version"]!.GetValue<string>(), Is.EqualTo("0.1.0"));
        Assert.That((await fleet.DeviceAsync(second))["agent_version"]!.GetValue<string>(), Is.EqualTo("0.2.0"));
    }

    [Test]
    public async Task ARolloutWhoseReleaseCrashesAtStartHaltsAtItsFirstWaveWithTheReason()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        await using var fleet = await Fleet.StartAsync();
        var (_, a) = await fleet.AgentAsync("ROLL-C1");
        var (_, b) = await fleet.AgentAsync("ROLL-C2");
        // Signed, so every agent takes it; it exits at once, so the init script rolls back to 0.1.0.
        var release = await fleet.UploadAsync("0.3.0", "#!/bin/sh\nexit 3\n"u8.ToArray());
        var created = await VigilStack.PostAsync(fleet.Api, "/api/v1/rollouts", new { release_id = release, target = "all", waves = new[] { "1", "rest" }, failure_percent = 20, come_back_seconds = 90 }, HttpStatusCode.Created);
        var halted = await fleet.SettledAsync(created["rollout"]!["id"]!.GetValue<long>());
        Assert.That(halted["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("halted"), halted.ToJsonString() + "\n" + fleet.Logs());
        Assert.That(halted["rollout"]!["reason"]!.GetValue<string>(), Does.StartWith("wave 1: 1 of 1 device(s) failed").And.Contain("rolled_back"));
        var waves = halted["wave_progress"]!.AsArray();
        Assert.That(waves[0]!["failed"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(waves[1]!["waiting"]!.GetValue<int>(), Is.EqualTo(1), "the second wave never started");
        var failed = halted["devices"]!.AsArray().Single(d => d!["state"]!.GetValue<string>() == "failed")!;
        Assert.That(failed["reason"]!.GetValue<string>(), Does.StartWith("rolled_back: came back on 0.1.0, not 0.3.0"));
        var device = await fleet.DeviceAsync(failed["device_id"]!.GetValue<string>());
        Assert.That(device["agent_version"]!.GetValue<string>(), Is.EqualTo("0.1.0"), "the agent runs its old version again");
        Assert.That(device["connected"]!.GetValue<bool>(), Is.True);
        Assert.That(device["update_state"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(device["update_reason"]!.GetValue<string>(), Does.StartWith("rolled_back"));
        var untouched = halted["devices"]!.AsArray().Single(d => d!["state"]!.GetValue<string>() == "waiting")!["device_id"]!.GetValue<string>();
        Assert.That(new[] { a, b }, Does.Contain(untouched));
        Assert.That((await fleet.DeviceAsync(untouched))["update_state"], Is.Null, "nothing was pushed to the second wave");

        // A halted rollout stays halted: it can be cancelled, not resumed.
        using (var resume = await fleet.Api.PostAsync($"/api/v1/rollouts/{created["rollout"]!["id"]}/resume", null))
        {
            Assert.That(resume.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        }
        var cancelled = await VigilStack.PostAsync(fleet.Api, $"/api/v1/rollouts/{created["rollout"]!["id"]}/cancel", new { }, HttpStatusCode.OK);
        Assert.That(cancelled["rollout"]!["state"]!.GetValue<string>(), Is.EqualTo("cancelled"));
        Assert.That(Of(cancelled, untouched)["state"]!.GetValue<string>(), Is.EqualTo("skipped"));
    }
}
