using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vigil.Attack.Tests;

/// <summary>
/// Attacks on accounts through the login: locking the owner out with wrong passwords, forging the
/// client address or scheme with forwarded headers, telling known logins from unknown ones by the
/// answer's time, and living on with a session or API key after the password was changed. One real
/// portal behind a "proxy" on 127.0.0.1 (the one trusted address); other clients connect from
/// other loopback addresses, which the portal sees as they are.
/// </summary>
[TestFixture]
public sealed class LoginAttackTests
{
    private const string Proxy = "127.0.0.1";
    private AccountPortal _portal = null!;

    [OneTimeSetUp]
    public async Task Start() =>
        // The production KDF cost is 600,000; half of it keeps the timing test's signal far above the noise.
        _portal = await AccountPortal.StartAsync(extraArgs: ["--trusted-proxies", Proxy, "--password-iterations", "300000"]);

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    [Test]
    public async Task WrongPasswordsFromOneAddressDoNotRefuseTheOwnerFromAnother()
    {
        await _portal.CreateUserAsync("victim-direct", "the-right-password");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await _portal.LoginAsync("victim-direct", $"guess-{i}", from: "127.0.0.66")).StatusCode);
        }
        Assert.That(statuses.Take(5), Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(statuses.Skip(5), Is.All.EqualTo(HttpStatusCode.TooManyRequests), "the guessing address is refused");
        var owner = await _portal.LoginAsync("victim-direct", "the-right-password", from: "127.0.0.7");
        Assert.That(owner.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the owner, from an address with no failures, gets in\n" + await owner.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task BehindTheTrustedProxyEachClientIsThrottledByItsOwnAddress()
    {
        await _portal.CreateUserAsync("victim-proxied", "the-right-password");
        for (var i = 0; i < 6; i++)
        {
            await _portal.LoginAsync("victim-proxied", $"guess-{i}", Forwarded("203.0.113.66"), from: Proxy);
        }
        var attacker = await _portal.LoginAsync("victim-proxied", "guess-7", Forwarded("203.0.113.66"), from: Proxy);
        Assert.That(attacker.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "the attacking client, named by the proxy, is refused");
        var owner = await _portal.LoginAsync("victim-proxied", "the-right-password", Forwarded("198.51.100.7"), from: Proxy);
        Assert.That(owner.StatusCode, Is.EqualTo(HttpStatusCode.OK), "every client shares the proxy's address; the owner is another client\n" + await owner.Content.ReadAsStringAsync());
        // The portal's log reaches the test through its standard output, a moment after the answers.
        var named = await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(10),
            () => Task.FromResult(_portal.Process.Log.Contains("from 203.0.113.66", StringComparison.Ordinal) && _portal.Process.Log.Contains("logged in from 198.51.100.7", StringComparison.Ordinal)));
        Assert.That(named, Is.Not.Null, "the log names the real clients\n" + _portal.Process.Log);
    }

    [Test]
    public async Task TheSessionCookieIsSecureWhenTheTrustedProxySaysTheClientUsedHttps()
    {
        await _portal.CreateUserAsync("tls-user", "the-right-password");
        var https = await _portal.LoginAsync("tls-user", "the-right-password", new Dictionary<string, string> { ["X-Forwarded-Proto"] = "https" }, from: Proxy);
        Assert.That(https.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(SessionCookie(https), Does.Contain("secure").IgnoreCase, "a session cookie sent over https must never travel over plain http");
        var plain = await _portal.LoginAsync("tls-user", "the-right-password", from: Proxy);
        Assert.That(SessionCookie(plain), Does.Not.Contain("secure").IgnoreCase, "a portal reached over plain http (a test bench) still logs in");
    }

    [Test]
    public async Task ForwardedHeadersFromAnUnconfiguredAddressAreIgnored()
    {
        await _portal.CreateUserAsync("spoof-target", "the-right-password");
        const string attacker = "127.0.0.99";
        for (var i = 0; i < 5; i++)
        {
            // A new "client" in every request: were the header believed, no address would ever reach the limit.
            await _portal.LoginAsync("spoof-target", $"guess-{i}", Forwarded($"192.0.2.{i + 1}"), from: attacker);
        }
        var next = await _portal.LoginAsync("spoof-target", "guess-6", Forwarded("192.0.2.200"), from: attacker);
        Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "the forged addresses are ignored: the real one is refused");
        Assert.That(_portal.Process.Log, Does.Not.Contain("from 192.0.2."), "no forged address reaches the log");
        await _portal.CreateUserAsync("spoof-tls", "the-right-password");
        var forgedTls = await _portal.LoginAsync("spoof-tls", "the-right-password", new Dictionary<string, string> { ["X-Forwarded-Proto"] = "https" }, from: attacker);
        Assert.That(forgedTls.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(SessionCookie(forgedTls), Does.Not.Contain("secure").IgnoreCase, "the scheme of an untrusted sender is not believed either");
    }

    [Test]
    public async Task LoginTimeDoesNotTellKnownLoginsFromUnknownOnes()
    {
        const int rounds = 5;
        for (var i = 0; i < rounds; i++)
        {
            await _portal.CreateUserAsync($"timed-{i}", "the-right-password");
        }
        // Warm both paths up (JIT, connection pools), on logins not measured.
        await _portal.CreateUserAsync("timed-warm", "the-right-password");
        await _portal.LoginAsync("timed-warm", "wrong", from: "127.0.0.30");
        await _portal.LoginAsync("nobody-warm", "wrong", from: "127.0.0.31");
        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            // One wrong password per login and a few per address: no throttle, no slow-down takes part.
            known.Add(await TimeAsync($"timed-{i}", "127.0.0.30"));
            unknown.Add(await TimeAsync($"nobody-{Guid.NewGuid():N}", "127.0.0.31"));
        }
        var knownMedian = Median(known);
        var unknownMedian = Median(unknown);
        TestContext.Out.WriteLine($"median wrong-password login: known {knownMedian:F1} ms, unknown {unknownMedian:F1} ms");
        Assert.That(knownMedian, Is.GreaterThan(20), "the KDF at this cost takes tens of milliseconds: the measure means something");
        Assert.That(unknownMedian, Is.GreaterThan(knownMedian * 0.5), "an unknown login is answered as slowly as a known one (the KDF runs for both)");
    }

    [Test]
    public async Task APasswordResetEndsTheUsersSessionsAndApiKeys()
    {
        var id = await _portal.CreateUserAsync("reset-me", "the-old-password");
        using var first = await _portal.ClientAsync("reset-me", "the-old-password");
        using var second = await _portal.ClientAsync("reset-me", "the-old-password");
        var created = await first.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "script" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var apiKey = _portal.Bearer(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>());
        foreach (var client in new[] { first, second, apiKey })
        {
            Assert.That((await client.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var reset = await _portal.Admin.PatchAsJsonAsync($"/api/v1/users/{id}", new { password = "the-new-password" });
        Assert.That(reset.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reset.Content.ReadAsStringAsync());
        Assert.That((await first.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a session of the old password");
        Assert.That((await second.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another session of the old password");
        Assert.That((await apiKey.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "an API key made with the old password");
        Assert.That((await _portal.LoginAsync("reset-me", "the-old-password", from: "127.0.0.40")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using var fresh = await _portal.ClientAsync("reset-me", "the-new-password");
        Assert.That((await fresh.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // An admin changing its own password keeps the session it does it with, and ends its others.
        var adminId = await _portal.CreateUserAsync("second-admin", "admin-old-password", "admin");
        using var adminHere = await _portal.ClientAsync("second-admin", "admin-old-password");
        using var adminElsewhere = await _portal.ClientAsync("second-admin", "admin-old-password");
        Assert.That((await adminHere.PatchAsJsonAsync($"/api/v1/users/{adminId}", new { password = "admin-new-password" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await adminHere.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await adminElsewhere.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task AUserChangingTheirPasswordEndsTheirOtherSessionsAndApiKeys()
    {
        await _portal.CreateUserAsync("changer", "the-old-password");
        using var here = await _portal.ClientAsync("changer", "the-old-password");
        using var stolen = await _portal.ClientAsync("changer", "the-old-password");
        var created = await stolen.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "left behind" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var apiKey = _portal.Bearer(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>());

        var wrong = await here.PostAsJsonAsync("/api/v1/auth/password", new { current_password = "not-it", new_password = "the-new-password" });
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the current password is proven first");
        var changed = await here.PostAsJsonAsync("/api/v1/auth/password", new { current_password = "the-old-password", new_password = "the-new-password" });
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await changed.Content.ReadAsStringAsync());
        Assert.That((await here.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the session it was changed with stays");
        Assert.That((await stolen.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a session elsewhere ends");
        Assert.That((await apiKey.GetAsync("/api/v1/auth/whoami")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "an API key ends");
        Assert.That((await _portal.LoginAsync("changer", "the-new-password", from: "127.0.0.41")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<double> TimeAsync(string login, string from)
    {
        var clock = Stopwatch.StartNew();
        var answer = await _portal.LoginAsync(login, "a-wrong-password", from: from);
        var ms = clock.Elapsed.TotalMilliseconds;
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the same answer for both");
        return ms;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static Dictionary<string, string> Forwarded(string client) => new() { ["X-Forwarded-For"] = client };

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.Single(c => c.StartsWith("vigil_session=", StringComparison.Ordinal)) : "";
}
