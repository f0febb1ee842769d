using System.Net;
using System.Text;

namespace Vigil.Portal.Tests;

/// <summary>Invalid JSON, oversize bodies, wrong types, SQL metacharacters, unknown ids: a clear 4xx, nothing half-written.</summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class BadInputTests(string database) : PortalSuite(database)
{
    [TestCase("{\"name\": \"cam-1\", ", "invalid JSON body")]
    [TestCase("[1, 2, 3]", "invalid JSON body")]
    [TestCase("{\"name\": \"cam-2\", \"dvr_depth\": \"seven\"}", "dvr_depth")]
    [TestCase("{\"name\": \"cam-3\", \"enabled\": \"yes\"}", "enabled")]
    [TestCase("{\"name\": \"cam-4\", \"dvr_dept\": 3}", "dvr_dept")]
    [TestCase("{\"name\": 42}", "name")]
    [TestCase("null", "null")]
    [TestCase("", "invalid JSON body")]
    public async Task MalformedBodiesAreRefusedWithTheReason(string body, string mentions)
    {
        var before = (await Admin.GetAsync("/api/v1/cameras?limit=1000")).Text;
        var answer = await Admin.PostJsonAsync("/api/v1/cameras", body);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.Text);
        Assert.That(answer.Error, Does.Contain(mentions));
        Assert.That((await Admin.GetAsync("/api/v1/cameras?limit=1000")).Text, Is.EqualTo(before), "nothing written");
    }

    [Test]
    public async Task AnOversizeBodyIsRefusedBeforeItIsRead()
    {
        var huge = "{\"name\":\"big\",\"comment\":\"" + new string('x', 2 << 20) + "\"}";
        var answer = await Admin.PostJsonAsync("/api/v1/cameras", huge);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cameras")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))),
        };
        chunked.Content.Headers.ContentType = new("application/json");
        var streamed = await Admin.SendAsync(chunked);
        Assert.That(streamed.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), "no length given: the cap still holds");
        Assert.That((await Admin.GetAsync("/api/v1/cameras/big")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task TheWrongContentTypeIsNamed()
    {
        var answer = await Admin.PostRawAsync("/api/v1/cameras", "name=x", "application/x-www-form-urlencoded");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(answer.Error, Does.Contain("application/json"));
    }

    [Test]
    public async Task SqlMetacharactersAreDataNotCode()
    {
        const string title = "'; DROP TABLE cameras; -- \" OR 1=1 /* 😀 */";
        var created = await Admin.PostJsonAsync("/api/v1/cameras", new { name = "quoted", title, comment = "Robert'); DELETE FROM users;--" });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var read = await Admin.GetAsync("/api/v1/cameras/quoted");
        Assert.That(read.Json!["title"]!.GetValue<string>(), Is.EqualTo(title));
        Assert.That((await Admin.GetAsync("/api/v1/users")).Json!.AsArray(), Is.Not.Empty);
        var badName = await Admin.PostJsonAsync("/api/v1/cameras", new { name = "x' OR '1'='1" });
        Assert.That(badName.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(badName.Error, Does.Contain("letters, digits"));
        Assert.That((await Admin.GetAsync("/api/v1/cameras/x'%20OR%20'1'='1")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task UnknownIdsAreNotFound()
    {
        foreach (var path in new[] { "/api/v1/users/424242", "/api/v1/cameras/nope", "/api/v1/devices/nope", "/api/v1/groups/nope/members" })
        {
            var answer = await Admin.GetAsync(path);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.NotFound), path);
            Assert.That(answer.Error, Does.EndWith("not found"), path);
        }
        Assert.That((await Admin.PostJsonAsync("/api/v1/devices/nope/approve", new { })).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Admin.PatchJsonAsync("/api/v1/cameras/nope", new { title = "x" })).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task OutOfRangeValuesAreRefusedField()
    {
        var cases = new (object Body, string Field)[]
        {
            (new { name = "r1", dvr_depth = -1 }, "dvr_depth"),
            (new { name = "r2", access = "everyone" }, "access"),
            (new { name = "r3", stream_url = "javascript:alert(1)" }, "stream_url"),
            (new { name = "r4", group = "no-such-group" }, "group"),
            (new { name = new string('n', 65) }, "name"),
        };
        foreach (var (body, field) in cases)
        {
            var answer = await Admin.PostJsonAsync("/api/v1/cameras", body);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), field);
            Assert.That(answer.Error, Does.Contain(field), field);
        }
        Assert.That((await Admin.GetAsync("/api/v1/cameras?limit=abc")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Admin.GetAsync("/api/v1/cameras?limit=100000")).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Admin.PostJsonAsync("/api/v1/users", new { login = "weak", password = "short" })).Error, Does.Contain("8 characters"));
    }

    [Test]
    public async Task NameClashesAreConflictsNotErrors()
    {
        Assert.That((await Admin.PostJsonAsync("/api/v1/cameras", new { name = "twice" })).Status, Is.EqualTo(HttpStatusCode.Created));
        var again = await Admin.PostJsonAsync("/api/v1/cameras", new { name = "twice" });
        Assert.That(again.Status, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(again.Error, Does.Contain("exists"));
        Assert.That((await Admin.PostJsonAsync("/api/v1/users", new { login = "admin", password = "password-123" })).Status, Is.EqualTo(HttpStatusCode.Conflict));
    }
}
