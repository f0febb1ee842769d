using System.Diagnostics;
using System.Net;
using Vigil.Stack;

namespace Vigil.Portal.Tests;

[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class PortalBasicsTests(string database) : PortalSuite(database)
{
    [Test]
    public async Task TheOpenApiDocumentDescribesTheApi()
    {
        using var anon = Portal.Anonymous();
        var doc = await anon.GetAsync("/api/openapi.json");
        Assert.That(doc.Status, Is.EqualTo(HttpStatusCode.OK));
        var paths = doc.Json!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.That(paths, Does.Contain("/api/v1/cameras").And.Contain("/api/v1/devices/{id}/approve").And.Contain("/internal/v1/hello").And.Contain("/api/v1/auth/login"));
        Assert.That(paths, Has.Count.GreaterThanOrEqualTo(30));
    }

    [Test]
    public async Task BrandingIsServedToEveryoneAndSetByAdmins()
    {
        using var anon = Portal.Anonymous();
        Assert.That((await anon.GetAsync("/api/v1/branding")).Json!["title"]!.GetValue<string>(), Is.EqualTo("Vigil"));
        var set = await Admin.PutJsonAsync("/api/v1/branding", new { title = "CityCam", primary_color = "#112233", logo = "data:image/png;base64,iVBORw0KGgo=" });
        Assert.That(set.Status, Is.EqualTo(HttpStatusCode.NoContent), set.Text);
        var branding = (await anon.GetAsync("/api/v1/branding")).Json!;
        Assert.That(branding["title"]!.GetValue<string>(), Is.EqualTo("CityCam"));
        Assert.That(branding["primary_color"]!.GetValue<string>(), Is.EqualTo("#112233"));
        Assert.That(branding["logo"]!.GetValue<string>(), Does.StartWith("data:image/png"));
        Assert.That((await Admin.PutJsonAsync("/api/v1/branding", new { primary_color = "red; background:url(x)" })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Admin.PutJsonAsync("/api/v1/branding", new { logo = "javascript:alert(1)" })).Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task StreamerHealthFollowsTheirApi()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(builder.WebHost, "http://127.0.0.1:0");
        await using var api = builder.Build();
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(api, "/", () => "flussonic");
        await api.StartAsync();
        var alive = Fixtures.Unique("alive");
        var dead = Fixtures.Unique("dead");
        await Admin.PostJsonAsync("/api/v1/streamers", new { name = alive, api_url = api.Urls.First(), public_url = "http://a", ingest_url = "rtmp://a/live" });
        await Admin.PostJsonAsync("/api/v1/streamers", new { name = dead, api_url = $"http://127.0.0.1:{RelayProcess.FreePort()}", public_url = "http://d", ingest_url = "rtmp://d/live" });
        async Task<string> Health(string name) =>
            (await Admin.GetAsync("/api/v1/streamers")).Json!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!["health"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (await Health(alive) != "up" || await Health(dead) != "down"))
        {
            await Task.Delay(200);
        }
        Assert.That(await Health(alive), Is.EqualTo("up"));
        Assert.That(await Health(dead), Is.EqualTo("down"));
        await api.StopAsync();
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && await Health(alive) != "down")
        {
            await Task.Delay(200);
        }
        Assert.That(await Health(alive), Is.EqualTo("down"), "a streamer that stops answering is down");
    }

    [Test]
    public async Task StreamersShowTheirHookKeyOnceAndCamerasGoWhereThereIsRoom()
    {
        var small = Fixtures.Unique("small");
        var big = Fixtures.Unique("big");
        var created = await Admin.PostJsonAsync("/api/v1/streamers", new { name = small, kind = "flussonic", public_url = "http://s1:8080", ingest_url = "rtmp://s1/static", capacity = 1 });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var key = created.Json!["hook_key"]!.GetValue<string>();
        Assert.That(created.Json!["hooks"]!["flussonic"]!.GetValue<string>(), Does.Contain($"/hooks/flussonic/{small}?key="));
        await Admin.PostJsonAsync("/api/v1/streamers", new { name = big, kind = "mediamtx", public_url = "http://s2:8888", ingest_url = "rtsp://s2:8554", capacity = 10 });
        var listed = await Admin.GetAsync("/api/v1/streamers");
        Assert.That(listed.Text, Does.Contain(small).And.Not.Contain(key).And.Not.Contain("hook_key"));

        var node = await Fixtures.RelayNodeAsync(Portal, Admin, Fixtures.Unique("n"));
        var placed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (id, pk) = Fixtures.NewDeviceKey();
            await Fixtures.HelloAsync(node, id, pk, Fixtures.Unique("SN"));
            var camera = Fixtures.Unique("placed");
            await Fixtures.CameraAsync(Admin, camera);
            await Admin.PostJsonAsync($"/api/v1/devices/{id}/bind", new { camera });
            placed.Add((await Admin.GetAsync($"/api/v1/cameras/{camera}")).Json!["streamer"]!.GetValue<string>());
        }
        Assert.That(placed.Count(p => p == small), Is.LessThanOrEqualTo(1), "a full streamer takes no more");
        Assert.That(placed.Count(p => p == big), Is.GreaterThanOrEqualTo(2));
        Assert.That((await Admin.PostJsonAsync("/api/v1/streamers", new { name = "bad-kind", kind = "wowza2", public_url = "http://x", ingest_url = "rtmp://x/a" })).Status,
            Is.EqualTo(HttpStatusCode.BadRequest));
    }
}

/// <summary>The portal as a process, the way it is installed: the first start, and the schema on a second start.</summary>
public sealed class PortalProcessTests
{
    [Test]
    public async Task TheFirstStartPrintsHowToLogInOnceAndASecondStartMakesNoOtherAdmin()
    {
        var db = await TestDatabases.CreateAsync(TestDatabases.Sqlite);
        var first = await RunUntilListeningAsync(db);
        Assert.That(first, Does.Contain("first start").And.Contain("'admin'"));
        var password = System.Text.RegularExpressions.Regex.Match(first, "with the password (\\S+)").Groups[1].Value;
        Assert.That(password, Has.Length.GreaterThanOrEqualTo(20));
        Assert.That(first, Does.Contain("schema migrated to version 1"));

        var second = await RunUntilListeningAsync(db);
        Assert.That(second, Does.Not.Contain("first start").And.Not.Contain(password));
        Assert.That(second, Does.Not.Contain("schema migrated"), "an applied migration never runs twice");
    }

    [Test]
    public async Task ABadConfigIsAClearErrorNotAStackTrace()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { PortalDll, "--password-iterations", "5" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.That(p.ExitCode, Is.EqualTo(78));
        Assert.That(err, Does.Contain("PasswordIterations"));
    }

    private static string PortalDll => Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll");

    private static async Task<string> RunUntilListeningAsync(string database)
    {
        var port = RelayProcess.FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { PortalDll, "--database", database, "--listen", $"http://127.0.0.1:{port}", "--password-iterations", "10000" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        p.Kill();
        await p.WaitForExitAsync();
        lock (output)
        {
            return output.ToString();
        }
    }
}
