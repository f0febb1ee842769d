using System.Net;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// The web portal as an installed app, in a real Chromium against a real portal: installable (the
/// manifest, named by the branding, and its icons), its service worker active and keeping the app
/// shell only, so the page opens offline while API answers and a streamer's playlist never come from
/// a cache; a new build's worker replaces the old shell. The streamer is a small HTTP server in the
/// scenario that answers a playlist with a counter: only whether the request reaches it matters here.
/// </summary>
[TestFixture]
public sealed class AppInstallTests
{
    private const string Title = "CityCam Watch";

    [Test]
    public async Task ThePortalInstallsAsAnAppThatKeepsOnlyItsShell()
    {
        var dist = PortalOnly.BuiltWeb();
        // A copy of the build: the scenario rewrites its sw.js as a new build would.
        var web = Directory.CreateTempSubdirectory("vigil-web-app-").FullName;
        foreach (var file in Directory.EnumerateFiles(dist, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(web, Path.GetRelativePath(dist, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o => o.WebRoot = web);
        using var admin = await portal.AdminAsync();
        var playlistPort = RelayProcess.FreePort();
        var made = await admin.PostJsonAsync("/api/v1/streamers", new
        {
            name = "hls-1", kind = "nginx-rtmp", api_url = $"http://127.0.0.1:{playlistPort}/healthz",
            public_url = $"http://127.0.0.1:{playlistPort}", ingest_url = "rtmp://127.0.0.1:1/live", capacity = 10,
        });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        var config = PortalOnly.Config(portal);
        config["playlist_port"] = playlistPort;
        config["web_root"] = web;
        config["new_title"] = Title;

        var r = await Browser.RunAsync("install", config);

        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["sw_state"]!.GetValue<string>(), Is.EqualTo("activated"));
        Assert.That(r["controlled"]!.GetValue<bool>(), Is.True, "the page is under the service worker");
        Assert.That(r["installability_errors"]!.AsArray(), Is.Empty, "Chromium finds the page installable");
        Assert.That(r["manifest_errors"]!.AsArray(), Is.Empty);
        Assert.That(r["manifest_url"]!.GetValue<string>(), Does.EndWith("/manifest.webmanifest"));
        Assert.That(r["manifest_type"]!.GetValue<string>(), Does.StartWith("application/manifest+json"));
        var manifest = r["manifest"]!;
        Assert.That(manifest["display"]!.GetValue<string>(), Is.EqualTo("standalone"));
        Assert.That(manifest["scope"]!.GetValue<string>(), Is.EqualTo("/"));
        var icons = manifest["icons"]!.AsArray().Select(i => $"{i!["sizes"]} {i["purpose"]}").ToList();
        Assert.That(icons, Is.SupersetOf(new[] { "192x192 any", "512x512 any", "512x512 maskable" }));
        Assert.That(manifest["theme_color"]!.GetValue<string>(), Is.EqualTo("#1f6feb"), "the branding's primary colour");

        var titles = r["titles"]!.AsArray();
        Assert.That((titles[0]!.GetValue<string>(), titles[1]!.GetValue<int>(), titles[2]!.GetValue<string>()), Is.EqualTo(("Vigil", 204, Title)),
            "after a change the API answers anew, not from a cache");
        var playlists = r["playlists"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.That(playlists, Is.EqualTo(new[] { "1", "2" }), "both playlist requests reached the streamer");
        Assert.That(r["streamer_served"]!.GetValue<int>(), Is.EqualTo(2));

        var cached = r["cached"]!.AsObject();
        Assert.That(cached.Count, Is.EqualTo(1), "one shell cache");
        var paths = cached.Single().Value!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.That(paths, Does.Contain("/index.html"));
        Assert.That(paths.Count(p => p.StartsWith("/assets/", StringComparison.Ordinal) && p.EndsWith(".js", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(1));
        Assert.That(paths, Is.All.Matches<string>(p => !p.StartsWith("/api", StringComparison.Ordinal) && !p.Contains(".m3u8", StringComparison.Ordinal)
            && !p.Contains(".ts", StringComparison.Ordinal) && !p.Contains(".mp4", StringComparison.Ordinal)), "nothing but the shell is kept");

        Assert.That(r["offline_heading"]!.GetValue<string>(), Is.EqualTo("Offline"), "offline, the app shell opens from the worker's cache");
        Assert.That(r["offline_api"]!.GetValue<string>(), Is.EqualTo("failed"), "offline, the API is answered by no cache");

        // The manifest follows the branding: the title set in the scenario is the app's name now.
        using var anonymous = portal.Anonymous();
        var now = (await anonymous.GetAsync("/manifest.webmanifest")).Json!;
        Assert.That((now["name"]!.GetValue<string>(), now["short_name"]!.GetValue<string>()), Is.EqualTo((Title, "CityCam")));

        var old = r["old_version"]!.GetValue<string>();
        var keys = r["after_update"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        Assert.That(keys, Is.EqualTo(new[] { $"vigil-shell-{old}next" }), "the new build's shell replaced the old one");
    }
}
