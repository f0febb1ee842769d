using System.Text.Json.Nodes;
using Microsoft.Extensions.FileProviders;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Portal.Settings;

namespace Vigil.Portal.Web;

/// <summary>
/// The web app's manifest (what a phone needs to put the portal on its home screen as an app): the
/// build's manifest.webmanifest (icons, start URL, scope, display) with the operator's branding put
/// in, its title as the app's name and its primary colour as the theme, so a rebranding needs no build.
/// </summary>
internal static class WebManifest
{
    public const string Path = "/manifest.webmanifest";
    /// <summary>What a home screen shows under the icon; longer names are cut there anyway.</summary>
    private const int ShortNameLength = 12;

    public static async Task WriteAsync(HttpContext ctx, IFileInfo template, SettingsStore settings)
    {
        JsonObject manifest;
        await using (var stream = template.CreateReadStream())
        {
            manifest = (await JsonNode.ParseAsync(stream).ConfigureAwait(false))?.AsObject()
                ?? throw new InvalidOperationException($"{template.PhysicalPath} is not a JSON object");
        }
        var branding = await SettingsEndpoints.BrandingAsync(settings).ConfigureAwait(false);
        var title = branding.Title.Trim().Length > 0 ? branding.Title.Trim() : "Vigil";
        manifest["name"] = title;
        manifest["short_name"] = ShortName(title);
        manifest["theme_color"] = branding.PrimaryColor;
        ctx.Response.ContentType = "application/manifest+json; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        await ctx.Response.WriteAsync(manifest.ToJsonString()).ConfigureAwait(false);
    }

    /// <summary>The title, or its first words that fit, or its start.</summary>
    private static string ShortName(string title)
    {
        if (title.Length <= ShortNameLength)
        {
            return title;
        }
        var cut = title[..(ShortNameLength + 1)];
        var space = cut.LastIndexOf(' ');
        return space > 0 ? cut[..space].TrimEnd() : title[..ShortNameLength];
    }
}
