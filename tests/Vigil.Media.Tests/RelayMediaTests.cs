using System.Text;
using System.Text.Json;
using Vigil.Stack;

namespace Vigil.Media.Tests;

/// <summary>
/// The media path as the service drives and watches it through a relay: the "assign" and "unassign"
/// commands, and the stats messages the relay shows in /v1/sessions, and `vigil-agent status`.
/// nginx-rtmp runs the streamer node's shipped configuration; the portal is not part of what is
/// tested here, and the stand-in for its hook (<see cref="AllowAllHook"/>) lets every publish on.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class RelayMediaTests
{
    private static async Task<JsonElement> Session(RelayProcess relay, string deviceId) =>
        JsonDocument.Parse(await relay.Api.GetStringAsync($"/v1/sessions/{deviceId}")).RootElement;

    private static async Task<JsonElement> Command(RelayProcess relay, string deviceId, string json)
    {
        using var response = await relay.Api.PostAsync($"/v1/sessions/{deviceId}/commands", new StringContent(json, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string StatusCommand(AgentProcess agent)
    {
        var binary = MediaEnv.Agent;
        var (code, output) = binary.EndsWith(".dll", StringComparison.Ordinal)
            ? AgentProcess.RunToEnd("dotnet", [binary, "status", "--config", agent.ConfigPath])
            : AgentProcess.RunToEnd(binary, ["status", "--config", agent.ConfigPath]);
        Assert.That(code, Is.EqualTo(0), output);
        return output;
    }

    [Test]
    public async Task StatsReachTheRelayAndTheStatusCommandWithoutSecrets()
    {
        var dir = MediaEnv.TempDir();
        await using var relay = await RelayProcess.StartAsync(MediaEnv.RelayDll, []);
        var (camera, cameraPort) = await MediaEnv.StartCameraAsync("--digest", "viewer:pa55word", "--keyint", "50");
        await using var _ = camera;
        // At info, nginx-rtmp logs each publish with its arguments: where the token is seen below.
        await using var nginx = await OpenStreamer.StartAsync(dir, logPublishes: true);
        var nginxPort = nginx.RtmpPort;
        await using var agent = await AgentProcess.StartAsync(MediaEnv.Agent, relay, [], c =>
        {
            c.Source = $"rtsp://viewer:pa55word@127.0.0.1:{cameraPort}/stream";
            c.Publish = $"rtmp://127.0.0.1:{nginxPort}/live/cam";
            c.PublishToken = "tok-123";
            c.PublishName = "cam-7";
            c.StatsInterval = TimeSpan.FromSeconds(1);
        });
        JsonElement media = default;
        var seen = await MediaEnv.WaitUntil(() =>
        {
            var session = Session(relay, agent.DeviceId).GetAwaiter().GetResult();
            if (!session.TryGetProperty("media", out media) || media.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            return media.GetProperty("streamer").GetString() == "publishing" && media.GetProperty("fps").GetDouble() >= 20
                && media.GetProperty("keyframe_interval_s").GetDouble() > 0;
        }, TimeSpan.FromSeconds(30));
        Assert.That(seen, Is.True, $"{media}\n{agent.Log}");
        Assert.That(media.GetProperty("name").GetString(), Is.EqualTo("cam-7"));
        Assert.That(media.GetProperty("camera").GetString(), Is.EqualTo("playing"));
        Assert.That(media.GetProperty("fps").GetDouble(), Is.InRange(20, 30));
        Assert.That(media.GetProperty("bitrate_kbps").GetInt64(), Is.GreaterThan(100));
        Assert.That(media.GetProperty("keyframe_interval_s").GetDouble(), Is.EqualTo(2.0).Within(0.2), "keyint 50 at 25 fps");
        Assert.That(media.GetProperty("drops").GetInt64(), Is.Zero);
        Assert.That(media.GetProperty("source").GetString(), Is.EqualTo($"rtsp://viewer:***@127.0.0.1:{cameraPort}/stream"));
        Assert.That(media.GetProperty("target").GetString(), Is.EqualTo($"rtmp://127.0.0.1:{nginxPort}/live/cam?***"));
        var sessions = await relay.Api.GetStringAsync("/v1/sessions");
        Assert.That(sessions, Does.Contain("\"media\"").And.Not.Contain("pa55word").And.Not.Contain("tok-123"));

        var status = StatusCommand(agent);
        Assert.That(status, Does.Contain("media_camera=playing").And.Contain("media_streamer=publishing").And.Contain("media_fps=").And.Contain("media_bitrate_kbps="));
        Assert.That(status, Does.Not.Contain("pa55word").And.Not.Contain("tok-123"));
        Assert.That(agent.Log, Does.Not.Contain("pa55word").And.Not.Contain("tok-123"));
        // The token reached the streamer with the stream name, where its publish hook reads it.
        Assert.That(File.ReadAllText(nginx.ErrorLog), Does.Contain("publish: name='cam' args='token=tok-123'"));
    }

    [Test]
    public async Task AssignAndUnassignThroughTheRelay()
    {
        var dir = MediaEnv.TempDir();
        await using var relay = await RelayProcess.StartAsync(MediaEnv.RelayDll, []);
        var (camera, cameraPort) = await MediaEnv.StartCameraAsync();
        await using var _ = camera;
        await using var nginx = await OpenStreamer.StartAsync(dir);
        var nginxPort = nginx.RtmpPort;
        await using var agent = await AgentProcess.StartAsync(MediaEnv.Agent, relay, [], c => c.StatsInterval = TimeSpan.FromSeconds(1));
        var statusFile = Path.Combine(agent.StateDir, "status");

        var refused = await Command(relay, agent.DeviceId, """{"name":"assign","args":{"source":"ftp://camera/x","target":"rtmp://s/live/x"}}""");
        Assert.That(refused.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(refused.GetProperty("error").GetString(), Does.Contain("rtsp://"));
        // No source: the camera_url of the agent's own config, and this agent's config names none.
        var sourceless = await Command(relay, agent.DeviceId, """{"name":"assign","args":{"source":"","target":"rtmp://s/live/x"}}""");
        Assert.That(sourceless.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(sourceless.GetProperty("error").GetString(), Is.EqualTo("the assignment names no source and the config has no camera_url (camera_url = rtsp://...)"));

        var args = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["source"] = $"rtsp://127.0.0.1:{cameraPort}/stream",
            ["target"] = $"rtmp://127.0.0.1:{nginxPort}/live/assigned",
            ["name"] = "cam-9",
            ["token"] = "t0k",
        });
        var assigned = await Command(relay, agent.DeviceId, $$"""{"name":"assign","args":{{args}}}""");
        Assert.That(assigned.GetProperty("ok").GetBoolean(), Is.True, assigned.ToString());
        Assert.That(await MediaEnv.WaitUntil(() => File.Exists(nginx.Playlist("assigned")), TimeSpan.FromSeconds(30)), Is.True, agent.Log);
        Assert.That(await MediaEnv.WaitUntil(() => File.ReadAllText(statusFile).Contains("media_streamer=publishing", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), Is.True);

        var unassigned = await Command(relay, agent.DeviceId, """{"name":"unassign"}""");
        Assert.That(unassigned.GetProperty("result").GetProperty("unassigned").GetBoolean(), Is.True);
        Assert.That(await MediaEnv.WaitUntil(() => camera.Lines("request TEARDOWN").Count == 1, TimeSpan.FromSeconds(10)), Is.True, "the camera session ends\n" + camera.Output);
        Assert.That(File.ReadAllText(statusFile), Does.Not.Contain("media_"));
        var again = await Command(relay, agent.DeviceId, """{"name":"unassign"}""");
        Assert.That(again.GetProperty("result").GetProperty("unassigned").GetBoolean(), Is.False);
        Assert.That(agent.HasExited, Is.False);
    }
}
