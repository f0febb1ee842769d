using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Portal.Tests;

namespace Vigil.Web.Tests;

/// <summary>
/// What the scenarios that need only the portal and its web build share (no streamer, camera or
/// agent): where the build is, and the config a scenario reads.
/// </summary>
public static class PortalOnly
{
    /// <summary>portal-web/dist, which the tests serve; its absence fails the test with the command.</summary>
    public static string BuiltWeb()
    {
        var web = Path.Combine(Repository.Root, "portal-web", "dist");
        Assert.That(File.Exists(Path.Combine(web, "index.html")), Is.True, "the web portal is built (cd portal-web && npx vite build)");
        return web;
    }

    public static JsonObject Config(PortalServer portal) => new()
    {
        ["url"] = portal.BaseAddress.ToString().TrimEnd('/'),
        ["admin"] = new JsonObject { ["login"] = portal.Admin.Login, ["password"] = portal.Admin.Password },
        ["screenshots"] = Path.Combine(Repository.Root, "artifacts", "screenshots"),
    };
}
