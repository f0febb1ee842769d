using System.Net;
using System.Text.Json.Nodes;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// In a real Chromium against a real portal holding 1,200 cameras (made through the import API): the
/// cameras grid and the managing page show a page, say there is more, and load the rest on request,
/// so a camera past the first 1,000 shows; a search finds it; at phone width nothing scrolls sideways.
/// </summary>
[TestFixture]
public sealed class PagedListPageTests
{
    private const int Cameras = 1200;
    private const string FarCamera = "pg01150";

    [Test]
    public async Task ACameraPastTheFirstThousandShowsAfterLoadingMore()
    {
        var web = PortalOnly.BuiltWeb();
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o => o.WebRoot = web);
        using var admin = await portal.AdminAsync();
        var content = new RowContent(ImportTests.CameraHeader, Cameras, i => $"pg{i:D5},Paged {i},rtsp://10.9.{i / 256}.{i % 256}/main,,0,true,private,,PG{i},,,,");
        var imported = await ImportTests.SendAsync(admin, "cameras", content, "all");
        Assert.That(imported.Status, Is.EqualTo(HttpStatusCode.OK), imported.Text);
        var config = PortalOnly.Config(portal);
        config["far_camera"] = FarCamera;

        var r = await Browser.RunAsync("paging", config, TimeSpan.FromMinutes(5));

        Assert.That(r["error"], Is.Null, r.ToJsonString());
        Assert.That(r["grid_first"]!["tiles"]!.GetValue<int>(), Is.LessThan(1000), "the grid starts with one page");
        Assert.That(r["grid_first"]!["count"]!.GetValue<string>(), Does.Contain("more to load"));
        Assert.That(r["grid_all"]!["tiles"]!.GetValue<int>(), Is.EqualTo(Cameras));
        Assert.That(r["grid_all"]!["far"]!.GetValue<int>(), Is.EqualTo(1), "a camera past the first 1,000 is in the grid");
        Assert.That(r["grid_all"]!["count"]!.GetValue<string>(), Is.EqualTo("1,200 cameras, all shown."));
        Assert.That(r["grid_search"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { FarCamera }));
        Assert.That(r["manage_first"]!["count"]!.GetValue<string>(), Does.Contain("more to load"));
        Assert.That(r["manage_all"]!["cards"]!.GetValue<int>(), Is.EqualTo(Cameras));
        Assert.That(r["manage_all"]!["far_visible"]!.GetValue<bool>(), Is.True);
        foreach (var (route, seen) in r["phone"]!.AsObject())
        {
            Assert.That(seen!["overflow"]!.GetValue<int>(), Is.EqualTo(0), $"{route} does not scroll sideways at 390 px");
            Assert.That(seen["unlabelled"]!.AsArray(), Is.Empty, $"{route}: every control has a name");
        }
    }
}
