using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// A camera's source, against a real portal process: its address holds the camera's login, so only
/// staff read it; and it is where the bound agent connects from inside the camera's network, so only
/// staff set it. Around it, a private camera's name is not told apart from a missing one.
/// </summary>
public sealed class StreamSourceAttackTests
{
    private const string Secret = "cam-secret-7731";
    private const string SubSecret = "sub-secret-5520";
    private const string Group = "lobby-watchers";
    private AttackPortal _portal = null!;
    private HttpClient _member = null!;
    private HttpClient _manager = null!;
    private HttpClient _operator = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await AttackPortal.StartAsync("sources");
        await _portal.GroupAsync(Group);
        await _portal.StreamerAsync("edge", "nginx-rtmp", "http://127.0.0.1:9", "rtmp://127.0.0.1:9/live");
        foreach (var (name, access) in new[] { ("lobby", "public"), ("office", "private") })
        {
            await _portal.CameraAsync(new
            {
                name, access, group = Group, streamer = "edge",
                stream_url = $"rtsp://admin:{Secret}@10.0.0.5:554/{name}",
                substream_url = $"rtsp://admin:{SubSecret}@10.0.0.5:554/{name}-sub",
            });
        }
        long memberId, managerId;
        (_member, memberId) = await _portal.UserAsync("member");
        (_manager, managerId) = await _portal.UserAsync("manager");
        (_operator, _) = await _portal.UserAsync("operator1", "operator");
        await _portal.MemberAsync(Group, memberId);
        await _portal.MemberAsync(Group, managerId, canManage: true);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _member?.Dispose();
        _manager?.Dispose();
        _operator?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    [Test]
    public async Task NoViewerReadsACamerasSourceOrItsCredentials()
    {
        using var anonymous = _portal.Anonymous();
        var asked = new List<(string Who, HttpClient Client, string Path)>
        {
            ("anonymous", anonymous, "/api/v1/cameras/lobby"),
            ("anonymous", anonymous, "/api/v1/cameras"),
        };
        foreach (var (who, client) in new[] { ("member", _member), ("manager", _manager) })
        {
            asked.Add((who, client, "/api/v1/cameras/lobby"));
            asked.Add((who, client, "/api/v1/cameras/office"));
            asked.Add((who, client, "/api/v1/cameras"));
        }
        foreach (var (who, client, path) in asked)
        {
            using var answer = await client.GetAsync(path);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{who} {path}: {text}");
            Assert.That(text, Does.Not.Contain(Secret).And.Not.Contain(SubSecret).And.Not.Contain("rtsp://"), $"{who} {path}");
            var cameras = JsonNode.Parse(text) is JsonArray list ? list.Select(c => c!.AsObject()) : [JsonNode.Parse(text)!.AsObject()];
            foreach (var camera in cameras)
            {
                Assert.That(camera.ContainsKey("stream_url") || camera.ContainsKey("substream_url"), Is.False, $"{who} {path}: {camera}");
            }
        }
        // Staff, who set it, still read it.
        var staff = JsonNode.Parse(await _operator.GetStringAsync("/api/v1/cameras/office"))!;
        Assert.That(staff["stream_url"]!.GetValue<string>(), Does.Contain(Secret));
        Assert.That(staff["substream_url"]!.GetValue<string>(), Does.Contain(SubSecret));
    }

    [Test]
    public async Task OnlyStaffSetWhereTheAgentConnects()
    {
        foreach (var body in new object[] { new { stream_url = "rtsp://192.168.1.1:22/" }, new { substream_url = "http://169.254.169.254/latest/meta-data/" },
                     new { title = "Lobby", stream_url = "rtsp://admin:" + Secret + "@10.0.0.5:554/lobby" } })
        {
            using var answer = await _manager.PatchAsJsonAsync("/api/v1/cameras/lobby", body);
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{body}: {await answer.Content.ReadAsStringAsync()}");
        }
        var kept = JsonNode.Parse(await _portal.Admin.GetStringAsync("/api/v1/cameras/lobby"))!;
        Assert.That((kept["stream_url"]!.GetValue<string>(), kept["substream_url"]!.GetValue<string>()),
            Is.EqualTo(($"rtsp://admin:{Secret}@10.0.0.5:554/lobby", $"rtsp://admin:{SubSecret}@10.0.0.5:554/lobby-sub")));

        // What a manager may change, the manager still changes; an operator sets the source.
        using (var title = await _manager.PatchAsJsonAsync("/api/v1/cameras/lobby", new { title = "Front lobby" }))
        {
            Assert.That(title.StatusCode, Is.EqualTo(HttpStatusCode.OK), await title.Content.ReadAsStringAsync());
        }
        using (var moved = await _operator.PatchAsJsonAsync("/api/v1/cameras/office", new { stream_url = $"rtsp://admin:{Secret}@10.0.0.6:554/office" }))
        {
            Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.OK), await moved.Content.ReadAsStringAsync());
        }
        Assert.That(JsonNode.Parse(await _portal.Admin.GetStringAsync("/api/v1/cameras/office"))!["stream_url"]!.GetValue<string>(), Does.Contain("10.0.0.6"));
    }

    [Test]
    public async Task AHiddenCameraAnswersAsAMissingOne()
    {
        using var anonymous = _portal.Anonymous();
        using var outsider = (await _portal.UserAsync("outsider")).Client;
        foreach (var (who, client) in new[] { ("anonymous", anonymous), ("a user outside the group", outsider) })
        {
            foreach (var suffix in new[] { "", "/playback" })
            {
                using var hidden = await client.GetAsync($"/api/v1/cameras/office{suffix}");
                using var missing = await client.GetAsync($"/api/v1/cameras/no-such-camera{suffix}");
                Assert.That((hidden.StatusCode, await hidden.Content.ReadAsStringAsync()), Is.EqualTo((missing.StatusCode, await missing.Content.ReadAsStringAsync())),
                    $"{who}, /cameras/NAME{suffix}: a private camera and a missing one");
            }
        }
        using var hiddenFavorite = await outsider.PutAsync("/api/v1/me/favorites/office", null);
        using var missingFavorite = await outsider.PutAsync("/api/v1/me/favorites/no-such-camera", null);
        Assert.That(hiddenFavorite.StatusCode, Is.EqualTo(missingFavorite.StatusCode));
    }
}
