using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Vigil.Portal.Tests;

/// <summary>
/// Watcher's custom_auth against a small real HTTP server (Kestrel on loopback) that answers per
/// login: 200 with groups, 403, 404, 500, or too late.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class ExternalLoginTests(string database)
{
    private PortalServer _portal = null!;
    private WebApplication _backend = null!;
    private PortalClient _admin = null!;
    private readonly List<string> _asked = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/auth", async Task<IResult> (HttpContext ctx) =>
        {
            var form = await ctx.Request.ReadFormAsync();
            var login = form["login"].ToString();
            var password = form["password"].ToString();
            lock (_asked)
            {
                _asked.Add($"{login}:{form["ip"]}");
            }
            return login switch
            {
                "ext-ok" when password == "billing-pass" => Results.Text("{\"groups\":[\"billing-a\",\"billing-b\"]}", "application/json"),
                "ext-plain" when password == "billing-pass" => Results.Ok(),
                "ext-ok" or "ext-plain" or "local-bob" => Results.StatusCode(403),
                "slow" => await Delay(),
                "broken" => Results.StatusCode(500),
                _ => Results.NotFound(),
            };
        });
        await app.StartAsync();
        _backend = app;
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        var set = await _admin.PutJsonAsync("/api/v1/settings/auth", new { backend_url = $"{app.Urls.First()}/auth" });
        Assert.That(set.Status, Is.EqualTo(HttpStatusCode.NoContent), set.Text);
    }

    private static async Task<IResult> Delay()
    {
        await Task.Delay(3500);
        return Results.Ok();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _portal.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Test]
    public async Task AYesWithGroupsMakesTheUserAndSetsItsGroups()
    {
        var user = await _portal.LoginAsync("ext-ok", "billing-pass");
        var me = (await user.GetAsync("/api/v1/auth/whoami")).Json!;
        Assert.That(me["role"]!.GetValue<string>(), Is.EqualTo("user"));
        var id = me["id"]!.GetValue<long>();
        foreach (var group in new[] { "billing-a", "billing-b" })
        {
            var members = await _admin.GetAsync($"/api/v1/groups/{group}/members");
            Assert.That(members.Text, Does.Contain($"\"user_id\":{id}"), group);
        }
        Assert.That(_portal.Log.Text, Does.Not.Contain("billing-pass"));
        lock (_asked)
        {
            Assert.That(_asked, Does.Contain("ext-ok:127.0.0.1"));
        }
    }

    [Test]
    public async Task APlainYesLogsIn()
    {
        var user = await _portal.LoginAsync("ext-plain", "billing-pass");
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AForbiddenIsAWrongPasswordEvenWhenTheLocalOneMatches()
    {
        var created = await _admin.PostJsonAsync("/api/v1/users", new { login = "local-bob", password = "local-password-1" });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created));
        using var anon = _portal.Anonymous();
        Assert.That((await anon.PostJsonAsync("/api/v1/auth/login", new { login = "local-bob", password = "local-password-1" })).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task AnUnknownUserAtTheBackendFallsBackToTheLocalAccount()
    {
        // The first admin is not known to billing (404): its local password decides.
        var admin = await _portal.AdminAsync();
        Assert.That((await admin.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        lock (_asked)
        {
            Assert.That(_asked, Does.Contain("admin:127.0.0.1"), "the backend was asked first");
        }
        using var anon = _portal.Anonymous();
        Assert.That((await anon.PostJsonAsync("/api/v1/auth/login", new { login = "nobody-anywhere", password = "whatever-123" })).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ABrokenOrSlowBackendLeavesTheDecisionToTheLocalAccount()
    {
        foreach (var login in new[] { "slow", "broken" })
        {
            var created = await _admin.PostJsonAsync("/api/v1/users", new { login, password = "local-password-2" });
            Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created));
            var started = DateTime.UtcNow;
            var user = await _portal.LoginAsync(login, "local-password-2");
            Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK), login);
            Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(3.4)), $"{login}: the backend's 3.5 s answer was not awaited");
            using var anon = _portal.Anonymous();
            Assert.That((await anon.PostJsonAsync("/api/v1/auth/login", new { login, password = "wrong-password-2" })).Status, Is.EqualTo(HttpStatusCode.Unauthorized), login);
        }
        Assert.That(_portal.Log.Text, Does.Contain("external login backend gave no answer"));
    }
}
