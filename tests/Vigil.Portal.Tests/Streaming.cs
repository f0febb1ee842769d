using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vigil.Protocol.Link;

namespace Vigil.Portal.Tests;

/// <summary>
/// What the playback and hook suites build through the real API: streamers, cameras, groups with
/// rights, and devices that said hello through a registered relay node and were approved and bound.
/// </summary>
internal static class Streaming
{
    public sealed record StreamerMade(string Name, string HookKey, string PublicUrl)
    {
        public string Hook(string dialect) => $"/hooks/{dialect}/{Name}?key={Uri.EscapeDataString(HookKey)}";
    }

    public sealed record DeviceMade(string Id, string PublishToken);

    /// <summary>A camera in its own group and a viewer who is a member of it, with or without the archive right.</summary>
    public sealed record Watched(string Camera, string Group, PortalClient Viewer, long UserId);

    public static async Task<Watched> WatchedAsync(PortalServer portal, PortalClient admin, string streamer, bool dvr, int dvrDepth)
    {
        var group = await GroupAsync(admin);
        var camera = await CameraAsync(admin, streamer, group: group, dvrDepth: dvrDepth);
        var (viewer, id) = await portal.UserAsync(admin, Unique("viewer"));
        await MemberAsync(admin, group, id, dvr);
        return new Watched(camera, group, viewer, id);
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public static async Task<StreamerMade> StreamerAsync(PortalClient admin, string kind = "flussonic", string? ingestUrl = null)
    {
        var name = Unique("st");
        var publicUrl = $"http://{name}.streamer.test:8080";
        var made = await admin.PostJsonAsync("/api/v1/streamers", new { name, kind, public_url = publicUrl, ingest_url = ingestUrl ?? $"rtmp://{name}.streamer.test/live", capacity = 1000 });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        var key = made.Json!["hook_key"]!.GetValue<string>();
        Assert.That(made.Json!["hooks"]!["flussonic"]!.GetValue<string>(), Does.EndWith($"/hooks/flussonic/{name}?key={Uri.EscapeDataString(key)}"));
        return new StreamerMade(name, key, publicUrl);
    }

    public static async Task<string> CameraAsync(PortalClient admin, string? streamer, string access = "private", string? group = null, int dvrDepth = 0)
    {
        var name = Unique("cam");
        var made = await admin.PostJsonAsync("/api/v1/cameras", new { name, access, group, dvr_depth = dvrDepth, streamer, stream_url = "rtsp://127.0.0.1:554/main" });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        return name;
    }

    public static async Task<string> GroupAsync(PortalClient admin)
    {
        var name = Unique("grp");
        var made = await admin.PostJsonAsync("/api/v1/groups", new { name });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        return name;
    }

    public static async Task MemberAsync(PortalClient admin, string group, long userId, bool dvr = false)
    {
        var set = await admin.PutJsonAsync($"/api/v1/groups/{group}/members/{userId}", new { can_dvr = dvr });
        Assert.That(set.Status, Is.EqualTo(HttpStatusCode.NoContent), set.Text);
    }

    /// <summary>
    /// A device as an agent brings one in: it says hello through a relay node, an operator approves it
    /// and binds it to the camera, and its next hello carries the assignment with the publish token.
    /// </summary>
    public static async Task<DeviceMade> DeviceAsync(PortalServer portal, PortalClient admin, string camera)
    {
        var relay = await admin.PutJsonAsync($"/api/v1/relays/{Unique("node")}", new { endpoints = "127.0.0.1:7000" });
        Assert.That(relay.Status, Is.EqualTo(HttpStatusCode.OK), relay.Text);
        using var node = portal.Anonymous();
        node.Bearer(relay.Json!["portal_token"]!.GetValue<string>());
        var key = RandomNumberGenerator.GetBytes(32);
        var id = DeviceIdentity.DeviceId(key);
        var hello = new { device_id = id, public_key = Convert.ToBase64String(key), serial = Unique("SN"), model = "IPC", firmware = "1.0", agent_version = "0.1", address = "192.168.1.10" };
        var first = await node.PostJsonAsync("/internal/v1/hello", hello);
        Assert.That(first.Json?["state"]?.GetValue<string>(), Is.EqualTo("pending"), first.Text);
        Assert.That((await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));
        var bound = await admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera });
        Assert.That(bound.Status, Is.EqualTo(HttpStatusCode.OK), bound.Text);
        var again = await node.PostJsonAsync("/internal/v1/hello", hello);
        var token = again.Json?["assignment"]?["token"]?.GetValue<string>();
        Assert.That(token, Does.StartWith("pub1."), again.Text);
        return new DeviceMade(id, token!);
    }

    public static async Task<JsonNode> PlaybackAsync(PortalClient viewer, string camera, string query = "")
    {
        var answer = await viewer.GetAsync($"/api/v1/cameras/{camera}/playback{query}");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        return answer.Json!;
    }

    public static string TokenOf(JsonNode? url)
    {
        var text = url!.GetValue<string>();
        return text[(text.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
    }

    /// <summary>Polls until the condition holds, for at most the limit; returns how long it took, or null if it never held.</summary>
    public static Task<TimeSpan?> WithinAsync(TimeSpan limit, Func<Task<bool>> condition) => Vigil.Stack.Poll.WithinAsync(limit, condition);
}
