using System.Net;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>A portal installed without the web build still runs: the API only, and it says so.</summary>
public sealed class WithoutWebBuildTests
{
    [Test]
    public async Task ThePortalServesTheApiAloneAndLogsWhy()
    {
        var empty = Directory.CreateTempSubdirectory("vigil-no-web-").FullName;
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite, o => o.WebRoot = empty);
        using var anonymous = portal.Anonymous();
        Assert.That((await anonymous.GetAsync("/")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await anonymous.GetAsync("/healthz")).Text, Is.EqualTo("ok\n"));
        Assert.That((await anonymous.GetAsync("/api/v1/branding")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(portal.Log.Text, Does.Contain($"no web portal build in {empty} (no index.html): serving the API only"));
    }
}
