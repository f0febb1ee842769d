using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// A viewer's playback token ends: with the portal's tokens made to last 10 s, the HLS that nginx
/// served under a token is refused once it has expired, through nginx's auth_request and the
/// portal's hook, while a fresh URL from the portal opens it again.
/// </summary>
public sealed class ExpiredPlaybackTests
{
    private const int TokenSeconds = 10;

    [Test]
    public async Task AnExpiredTokenIsRefusedAndAFreshOneServed()
    {
        EndToEnd.RequirePeers();
        var options = EndToEnd.Options("expiry") with
        {
            PortalEnvironment = new Dictionary<string, string> { ["VIGIL_PORTAL_PlaybackTokenSeconds"] = TokenSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        await using (var stack = await VigilStack.StartAsync(options))
        {
            var (camera, id) = await stack.AddCameraAsync("E2E-EXP-1");
            const string name = "e2e-expiry";
            await stack.CreateCameraAsync(name, camera.RtspUrl);
            await stack.ApproveAsync(id);
            await stack.BindAsync(id, name);
            var playlist = Path.Combine(stack.NginxDir, "hls", name, "index.m3u8");
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(30), () => Task.FromResult(File.Exists(playlist))), Is.Not.Null,
                $"nginx-rtmp wrote no playlist\n{camera.Agent.Log}");

            var answer = JsonNode.Parse(await stack.Portal.Api.GetStringAsync($"/api/v1/cameras/{name}/playback"))!;
            var hls = answer["live"]!["hls"]!.GetValue<string>();
            var expiresAt = answer["expires_at"]!.GetValue<long>();
            Assert.That(expiresAt - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Is.InRange(TokenSeconds - 2, TokenSeconds));
            using var http = new HttpClient();
            using (var served = await http.GetAsync(hls))
            {
                Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(await served.Content.ReadAsStringAsync(), Does.Contain(".ts?token=pt1."), "the fragments carry the viewer's token");
            }

            await Task.Delay(TimeSpan.FromSeconds(expiresAt - DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1.5));
            using (var refused = await http.GetAsync(hls))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            }
            // The portal's log comes through its standard output, a moment after its answer.
            Assert.That(await Poll.WithinAsync(TimeSpan.FromSeconds(5), () => Task.FromResult(
                stack.Portal.Log.Contains($"nginx-rtmp hook: play of '{name}' from 127.0.0.1 denied: token expired", StringComparison.Ordinal))), Is.Not.Null, stack.Portal.Log);
            var (fresh, _) = await VigilStack.PlaybackAsync(stack.Portal.Api, name);
            using (var again = await http.GetAsync(fresh))
            {
                Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a fresh token from the portal");
            }
        }
        Directory.Delete(options.StateDir, recursive: true);
    }
}
