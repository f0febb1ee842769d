using System.Net;
using System.Text.RegularExpressions;

namespace Vigil.Portal.Tests;

/// <summary>
/// Lists longer than a page: 1,200 cameras made through the import API are read back page after page
/// by the next links, each exactly once, by keyset and by offset; a keyset page run stays exact while
/// cameras are added and removed behind and ahead of it; a search keeps to its words across pages;
/// the lists that had no paging answer as before and page on request; bad cursors are refused.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed partial class PagingTests(string database) : PortalSuite(database)
{
    private const int Cameras = 1200;

    [OneTimeSetUp]
    public async Task ImportCameras()
    {
        var content = new RowContent(ImportTests.CameraHeader, Cameras,
            i => $"pg{i:D5},Paged {i},rtsp://10.9.{i / 256}.{i % 256}/main,,0,true,private,,PG{i},,,,");
        var answer = await ImportTests.SendAsync(Admin, "cameras", content, "all");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        Assert.That(ImportTests.Counts(answer), Is.EqualTo((Cameras, 0, 0)));
    }

    [Test]
    public async Task EveryCameraComesOnceAcrossPagesByKeysetAndByOffset()
    {
        var (byLink, pages) = await FollowAsync("/api/v1/cameras?limit=1000");
        Assert.That(pages, Is.EqualTo(2), "1,200 cameras are two pages of 1,000");
        AssertEveryCameraOnce(byLink);

        var byOffset = new List<string>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await Admin.GetAsync($"/api/v1/cameras?limit=500&offset={offset}");
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);
            var names = Names(page);
            byOffset.AddRange(names);
            if (names.Count < 500)
            {
                Assert.That(Next(page), Is.Null, "no next link on the last page");
                break;
            }
        }
        AssertEveryCameraOnce(byOffset);
    }

    [Test]
    public async Task AKeysetRunNeitherRepeatsNorSkipsWhileTheListChanges()
    {
        var first = await Admin.GetAsync("/api/v1/cameras?limit=400");
        var seen = Names(first);
        var next = Next(first);
        Assert.That(next, Does.Contain("after=pg00399"));
        // Meanwhile a camera read already goes, and one sorting before the cursor comes: offset paging
        // would skip a row and repeat none, or repeat one; the keyset does neither.
        Assert.That((await Admin.DeleteAsync("/api/v1/cameras/pg00010")).Status, Is.EqualTo(HttpStatusCode.NoContent));
        var made = await Admin.PostJsonAsync("/api/v1/cameras", new { name = "pg00000a", stream_url = "rtsp://10.9.99.1/main" });
        Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), made.Text);
        try
        {
            while (next is not null)
            {
                var page = await Admin.GetAsync(next);
                Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);
                seen.AddRange(Names(page));
                next = Next(page);
            }
            AssertEveryCameraOnce(seen.Where(n => n != "pg00000a").ToList());
        }
        finally
        {
            await Admin.DeleteAsync("/api/v1/cameras/pg00000a");
            await Admin.PostJsonAsync("/api/v1/cameras", new { name = "pg00010", stream_url = "rtsp://10.9.0.10/main" });
        }
    }

    [Test]
    public async Task DevicesNewestFirstNeitherRepeatNorSkipWhenNewOnesComeMidway()
    {
        using var node = await Fixtures.RelayNodeAsync(Portal, Admin, Fixtures.Unique("pg-node"));
        var serials = Enumerable.Range(0, 30).Select(i => $"PGDEV-{DatabaseKind}-{i:D2}").ToList();
        foreach (var serial in serials)
        {
            var (id, key) = Fixtures.NewDeviceKey();
            await Fixtures.HelloAsync(node, id, key, serial);
        }
        var first = await Admin.GetAsync("/api/v1/devices?state=pending&limit=7");
        var seen = Serials(first);
        var next = Next(first);
        Assert.That(next, Does.Contain("state=pending").And.Contain("after="));
        // New devices come at the front of a newest-first list: offset paging would read some twice.
        for (var i = 0; i < 3; i++)
        {
            var (id, key) = Fixtures.NewDeviceKey();
            await Fixtures.HelloAsync(node, id, key, $"PGNEW-{DatabaseKind}-{i}");
        }
        for (var pages = 0; next is not null && pages < 20; pages++)
        {
            var page = await Admin.GetAsync(next);
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);
            seen.AddRange(Serials(page));
            next = Next(page);
        }
        var ours = seen.Where(s => s.StartsWith("PGDEV-", StringComparison.Ordinal)).ToList();
        Assert.That(ours, Is.Unique, "no device twice");
        Assert.That(ours, Is.EquivalentTo(serials), "every device");
    }

    [Test]
    public async Task ASearchKeepsToItsWordsOnEveryPage()
    {
        // "Paged 11" is in the titles of 11, 110-119 and 1100-1199: 111 cameras.
        var (names, pages) = await FollowAsync("/api/v1/cameras?limit=50&q=paged%2011");
        Assert.That(pages, Is.EqualTo(3));
        var expected = Enumerable.Range(0, Cameras).Where(i => $"Paged {i}".Contains("Paged 11", StringComparison.Ordinal)).Select(i => $"pg{i:D5}");
        Assert.That(names, Is.EqualTo(expected));
        var wild = await Admin.GetAsync("/api/v1/cameras?q=%25");
        Assert.That(Names(wild), Is.Empty, "% is a character searched for, not a wildcard");
    }

    [Test]
    public async Task ListsThatHadNoPagingAnswerAsBeforeAndPageOnRequest()
    {
        foreach (var name in new[] { "g-one", "g-two", "g-three" })
        {
            await Admin.PostJsonAsync("/api/v1/groups", new { name });
        }
        var all = await Admin.GetAsync("/api/v1/groups");
        Assert.That(Names(all), Is.SupersetOf(new[] { "g-one", "g-two", "g-three" }));
        Assert.That(Next(all), Is.Null, "a short list comes whole, as before");
        var (paged, pages) = await FollowAsync("/api/v1/groups?limit=1");
        Assert.That(paged, Is.EqualTo(Names(all)));
        Assert.That(pages, Is.EqualTo(paged.Count));
    }

    [Test]
    public async Task BadPagingIsRefusedInWords()
    {
        var both = await Admin.GetAsync("/api/v1/cameras?after=pg00001&offset=5");
        Assert.That((both.Status, both.Error), Is.EqualTo((HttpStatusCode.BadRequest, "give after or offset, not both")));
        var forged = await Admin.GetAsync("/api/v1/devices?after=not-a-cursor");
        Assert.That((forged.Status, forged.Error), Is.EqualTo((HttpStatusCode.BadRequest, "after is not a cursor this list gave")));
        var tooLong = await Admin.GetAsync("/api/v1/cameras?after=" + new string('a', 201));
        Assert.That(tooLong.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        var tooMany = await Admin.GetAsync("/api/v1/cameras?limit=1001");
        Assert.That(tooMany.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    private async Task<(List<string> Names, int Pages)> FollowAsync(string path)
    {
        var names = new List<string>();
        var pages = 0;
        for (string? next = path; next is not null && pages < 100; pages++)
        {
            var page = await Admin.GetAsync(next);
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);
            names.AddRange(Names(page));
            next = Next(page);
        }
        return (names, pages);
    }

    private static void AssertEveryCameraOnce(List<string> names)
    {
        var ours = names.Where(n => n.StartsWith("pg", StringComparison.Ordinal)).ToList();
        Assert.That(ours, Is.Unique, "no camera twice");
        Assert.That(ours, Is.EquivalentTo(Enumerable.Range(0, Cameras).Select(i => $"pg{i:D5}")), "every camera");
    }

    private static List<string> Serials(PortalClient.Answer page) =>
        page.Json!.AsArray().Select(d => d!["serial"]!.GetValue<string>()).ToList();

    private static List<string> Names(PortalClient.Answer page) =>
        page.Json!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();

    /// <summary>The next page's address from a list's Link header, null on the last page.</summary>
    internal static string? Next(PortalClient.Answer page) =>
        page.Response.Headers.TryGetValues("Link", out var links) && NextLink().Match(string.Join(",", links)) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<([^>]*)>;\\s*rel=\"next\"")]
    private static partial Regex NextLink();
}
