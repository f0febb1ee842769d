using System.Net;

namespace Vigil.Portal.Tests;

/// <summary>
/// GET /users?q= finds users by login or e-mail, any case, with LIKE's own characters taken
/// literally, paged like every list, its length capped; on SQLite and PostgreSQL.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class UserSearchTests(string database) : PortalSuite(database)
{
    private async Task<long> UserAsync(string login, string email)
    {
        var created = await Admin.PostJsonAsync("/api/v1/users", new { login, email, password = "pw-" + Guid.NewGuid().ToString("N"), role = "user" });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        return created.Json!["id"]!.GetValue<long>();
    }

    private async Task<string[]> LoginsAsync(string query)
    {
        var answer = await Admin.GetAsync("/api/v1/users?" + query);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        return answer.Json!.AsArray().Select(u => u!["login"]!.GetValue<string>()).ToArray();
    }

    [Test]
    public async Task LoginAndEmailMatchInAnyCaseAndLikeCharactersAreLiteral()
    {
        var p = Fixtures.Unique("us").Replace("-", "", StringComparison.Ordinal);
        await UserAsync($"{p}Alice", $"alice.w@{p}.example");
        await UserAsync($"{p}bob", $"Robert.Jones@{p}-Corp.example");
        await UserAsync($"{p}x_y", $"xy@{p}.example");
        await UserAsync($"{p}xzy", $"xzy@{p}.example");
        await UserAsync($"{p}50%", $"fifty@{p}.example");
        await UserAsync($"{p}500", $"five-hundred@{p}.example");

        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString(p.ToUpperInvariant() + "ALI")}"), Is.EqualTo(new[] { $"{p}Alice" }), "login, any case");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString(p.ToUpperInvariant() + "-CORP")}"), Is.EqualTo(new[] { $"{p}bob" }), "e-mail, any case");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString("robert.jones")}"), Is.EqualTo(new[] { $"{p}bob" }), "the e-mail's local part");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString(p + "x_y")}"), Is.EqualTo(new[] { $"{p}x_y" }), "_ is a character, not any one");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString(p + "50%")}"), Is.EqualTo(new[] { $"{p}50%" }), "% is a character, not any run");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString("  " + p + "bob ")}"), Is.EqualTo(new[] { $"{p}bob" }), "surrounding spaces are not searched");
        Assert.That(await LoginsAsync($"q={Uri.EscapeDataString(p + "nobody")}"), Is.Empty);
        Assert.That(await LoginsAsync("limit=1000"), Is.SupersetOf(new[] { $"{p}Alice", $"{p}bob", $"{p}x_y", $"{p}xzy" }), "without q, every user");
    }

    [Test]
    public async Task ASearchIsPagedAndItsNextLinkKeepsTheWords()
    {
        var p = Fixtures.Unique("pg").Replace("-", "", StringComparison.Ordinal);
        var made = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await UserAsync($"{p}page{i}", $"page{i}@{p}.example");
            made.Add($"{p}page{i}");
        }
        await UserAsync($"{p}other", $"other@{p}.example");
        var seen = new List<string>();
        var next = $"/api/v1/users?q={p}PAGE&limit=2";
        var pages = 0;
        while (next is not null && pages < 10)
        {
            var answer = await Admin.GetAsync(next);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
            seen.AddRange(answer.Json!.AsArray().Select(u => u!["login"]!.GetValue<string>()));
            pages++;
            next = PagingTests.Next(answer);
            if (next is not null)
            {
                Assert.That(next, Does.Contain($"q={p}PAGE"), "the next page searches the same words");
            }
        }
        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen, Is.EqualTo(made), "every match once, in order, and only matches");
    }

    [Test]
    public async Task ALongSearchIsRefusedAndOnlyAdminsSearch()
    {
        var tooLong = await Admin.GetAsync("/api/v1/users?q=" + new string('a', 101));
        Assert.That(tooLong.Status, Is.EqualTo(HttpStatusCode.BadRequest), tooLong.Text);
        Assert.That(tooLong.Error, Does.Contain("q"));
        Assert.That((await Admin.GetAsync("/api/v1/users?q=" + new string('a', 100))).Status, Is.EqualTo(HttpStatusCode.OK));
        var (op, _) = await Portal.UserAsync(Admin, Fixtures.Unique("op"), "operator");
        using (op)
        {
            Assert.That((await op.GetAsync("/api/v1/users?q=a")).Status, Is.EqualTo(HttpStatusCode.Forbidden));
        }
    }
}
