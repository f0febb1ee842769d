using System.Net;

namespace Vigil.Portal.Tests;

[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class AuthTests(string database)
{
    private PortalServer _portal = null!;

    [OneTimeSetUp]
    public async Task Start() => _portal = await PortalServer.StartAsync(database);

    [OneTimeTearDown]
    public async Task Stop() => await _portal.DisposeAsync();

    [Test]
    public async Task FirstAdminLogsInWithTheGeneratedPassword()
    {
        Assert.That(_portal.Admin.Password, Has.Length.GreaterThanOrEqualTo(20));
        using var admin = await _portal.AdminAsync();
        var me = await admin.GetAsync("/api/v1/auth/whoami");
        Assert.That(me.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(me.Json!["login"]!.GetValue<string>(), Is.EqualTo("admin"));
        Assert.That(me.Json!["role"]!.GetValue<string>(), Is.EqualTo("admin"));
        Assert.That(me.Text, Does.Not.Contain("password"), "no hash is ever returned");
    }

    [Test]
    public async Task TwoInstallsNeverShareTheFirstPassword()
    {
        await using var other = await PortalServer.StartAsync(TestDatabases.Sqlite);
        Assert.That(other.Admin.Password, Is.Not.EqualTo(_portal.Admin.Password));
    }

    [Test]
    public async Task WrongPasswordIsRefusedAndNothingIsLogged()
    {
        using var anon = _portal.Anonymous();
        var answer = await anon.PostJsonAsync("/api/v1/auth/login", new { login = "admin", password = "not-the-password-123" });
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(answer.Error, Is.EqualTo("wrong login or password"));
        Assert.That(_portal.Log.Text, Does.Not.Contain("not-the-password-123"));
        Assert.That(_portal.Log.Text, Does.Not.Contain(_portal.Admin.Password));
    }

    [Test]
    public async Task NothingButLoginAndPublicReadsIsReachableAnonymously()
    {
        using var anon = _portal.Anonymous();
        foreach (var path in new[] { "/api/v1/auth/whoami", "/api/v1/users", "/api/v1/groups", "/api/v1/auth/api-keys" })
        {
            Assert.That((await anon.GetAsync(path)).Status, Is.EqualTo(HttpStatusCode.Unauthorized), path);
        }
        var forged = _portal.Anonymous();
        forged.Bearer("vs_forged-token-that-was-never-issued");
        Assert.That((await forged.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task LogoutEndsTheSession()
    {
        var (user, _) = await _portal.UserAsync(await _portal.AdminAsync(), "logout-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await user.PostJsonAsync("/api/v1/auth/logout", new { })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task CookieSessionWorksAndRefusesForeignOrigins()
    {
        var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new PortalClient(new HttpClient(handler) { BaseAddress = _portal.BaseAddress });
        var login = await browser.PostJsonAsync("/api/v1/auth/login", new { login = _portal.Admin.Login, password = _portal.Admin.Password });
        Assert.That(login.Status, Is.EqualTo(HttpStatusCode.OK));
        var setCookie = string.Join(";", login.Response.Headers.GetValues("Set-Cookie"));
        Assert.That(setCookie, Does.Contain("httponly").IgnoreCase.And.Contain("samesite=strict").IgnoreCase);
        Assert.That((await browser.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));

        var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/v1/groups") { Content = new StringContent("{\"name\":\"evil\"}", System.Text.Encoding.UTF8, "application/json") };
        foreign.Headers.Add("Origin", "https://evil.example");
        Assert.That((await browser.SendAsync(foreign)).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        using var admin = await _portal.AdminAsync();
        var groups = await admin.GetAsync("/api/v1/groups");
        Assert.That(groups.Text, Does.Not.Contain("evil"));
    }

    [Test]
    public async Task ApiKeysAuthenticateUntilDeleted()
    {
        var (user, _) = await _portal.UserAsync(await _portal.AdminAsync(), "keys-" + Guid.NewGuid().ToString("N")[..6]);
        var created = await user.PostJsonAsync("/api/v1/auth/api-keys", new { name = "nvr", expires_in_days = 30 });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var secret = created.Json!["secret"]!.GetValue<string>();
        Assert.That(secret, Does.StartWith("vk_"));
        using var app = _portal.Anonymous();
        app.Bearer(secret);
        Assert.That((await app.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        var list = await user.GetAsync("/api/v1/auth/api-keys");
        Assert.That(list.Text, Does.Contain("nvr").And.Not.Contain(secret), "the secret is shown once, never listed");
        var id = created.Json!["key"]!["id"]!.GetValue<long>();
        Assert.That((await user.DeleteAsync($"/api/v1/auth/api-keys/{id}")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await app.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(_portal.Log.Text, Does.Not.Contain(secret));
    }

    [Test]
    public async Task RepeatedFailuresAreThrottled()
    {
        var (_, _) = await _portal.UserAsync(await _portal.AdminAsync(), "victim");
        using var anon = _portal.Anonymous();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await anon.PostJsonAsync("/api/v1/auth/login", new { login = "victim", password = $"guess-{i}-xxxx" })).Status);
        }
        Assert.That(statuses.Take(5), Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(statuses.Skip(5), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task DeactivatedUsersLoseTheirSessionsWithinSeconds()
    {
        using var admin = await _portal.AdminAsync();
        var (user, id) = await _portal.UserAsync(admin, "leaver-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await admin.PatchJsonAsync($"/api/v1/users/{id}", new { is_active = false })).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await user.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public void TheProductionKdfCostIsTheDefaultSaltedAndVerifies()
    {
        var hasher = new Auth.PasswordHasher();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var hash = hasher.Hash("correct horse battery staple");
        Assert.That(hash, Does.StartWith($"pbkdf2-sha256${Auth.PasswordHasher.DefaultIterations}$"));
        Assert.That(Auth.PasswordHasher.Verify("correct horse battery staple", hash), Is.True);
        Assert.That(Auth.PasswordHasher.Verify("correct horse battery stapl", hash), Is.False);
        Assert.That(hasher.Hash("correct horse battery staple"), Is.Not.EqualTo(hash), "salted");
        TestContext.Out.WriteLine($"one hash: {started.ElapsedMilliseconds} ms");
    }
}
