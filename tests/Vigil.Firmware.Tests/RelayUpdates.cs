using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>The relay's update API as the portal drives it: store a release, push it to a device, follow the push.</summary>
internal static class RelayUpdates
{
    public static async Task Upload(RelayProcess relay, string name, byte[] release)
    {
        using var put = await relay.Api.PutAsync($"/v1/releases/{name}", new ByteArrayContent(release));
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.Created), await put.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> Push(RelayProcess relay, string device, string name)
    {
        using var post = await relay.Api.PostAsJsonAsync($"/v1/sessions/{device}/update", new { release = name });
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await post.Content.ReadAsStringAsync());
        return await Progress(relay, device);
    }

    public static async Task<JsonElement> Progress(RelayProcess relay, string device) =>
        JsonDocument.Parse(await relay.Api.GetStringAsync($"/v1/sessions/{device}/update")).RootElement.Clone();

    /// <summary>Waits until the push is no longer sending; returns its last progress.</summary>
    public static async Task<JsonElement> Finished(RelayProcess relay, string device)
    {
        JsonElement progress = default;
        await TestEnv.WaitUntil(async () => (progress = await Progress(relay, device)).GetProperty("state").GetString() != "sending", TimeSpan.FromSeconds(60));
        return progress;
    }

    /// <summary>Stores the release on the relay, pushes it and asserts the agent applied it (it then exits 75 to run it).</summary>
    public static async Task PushApplied(RelayProcess relay, string device, string version, byte[] release)
    {
        var name = $"vigil-agent-{version}-linux-x64.release";
        await Upload(relay, name, release);
        await Push(relay, device, name);
        var done = await Finished(relay, device);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("applied"), done.ToString());
    }
}
