using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Vigil.Portal.Data;

namespace Vigil.Portal.Web;

/// <summary>
/// The web portal (portal-web, built by Vite at build time into the portal's wwwroot): index.html
/// and its hashed assets, served by the portal itself. /api, /hooks, /internal and /healthz are never
/// its. A client route (anything without a file) gets index.html. Without a build the portal runs
/// API only and says so once. /sw.js (the app shell's service worker) is served like index.html,
/// never kept by HTTP caches, so a new build's worker is seen at the next visit.
/// </summary>
internal static class WebFrontend
{
    /// <summary>Hashed file names change with their content: they may be kept for a year.</summary>
    private const string Immutable = "public, max-age=31536000, immutable";
    private static readonly string[] NotOurs = ["/api", "/hooks", "/internal", "/healthz"];

    public static void Map(WebApplication app, PortalOptions options, ILogger log)
    {
        var root = options.WebRoot.Length > 0 ? options.WebRoot : Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            PortalLog.WebAbsent(log, root);
            return;
        }
        PortalLog.WebServed(log, root);
        var files = new PhysicalFileProvider(Path.GetFullPath(root));
        var policy = app.Services.GetRequiredService<ContentPolicy>();
        var settings = app.Services.GetRequiredService<SettingsStore>();
        var manifest = files.GetFileInfo(WebManifest.Path);
        app.UseWhen(IsWeb, web =>
        {
            web.Use(async (ctx, next) =>
            {
                await policy.ApplyAsync(ctx.Response.Headers).ConfigureAwait(false);
                await next(ctx).ConfigureAwait(false);
            });
            web.Use(async (ctx, next) =>
            {
                if (manifest.Exists && ctx.Request.Path.Equals(WebManifest.Path, StringComparison.Ordinal))
                {
                    await WebManifest.WriteAsync(ctx, manifest, settings).ConfigureAwait(false);
                    return;
                }
                await next(ctx).ConfigureAwait(false);
            });
            web.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
                OnPrepareResponse = f => f.Context.Response.Headers.CacheControl =
                    f.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal) ? Immutable : "no-cache",
            });
            web.Run(async ctx =>
            {
                // A missing asset is a 404, not the app: a stale page asking for an old bundle must see it fail.
                if (Path.HasExtension(ctx.Request.Path.Value))
                {
                    ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                ctx.Response.ContentType = "text/html; charset=utf-8";
                ctx.Response.Headers.CacheControl = "no-cache";
                await ctx.Response.SendFileAsync(files.GetFileInfo("index.html")).ConfigureAwait(false);
            });
        });
    }

    private static bool IsWeb(HttpContext ctx) =>
        (HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)) &&
        !NotOurs.Any(p => ctx.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The security headers of the web portal. Scripts, styles and API calls come only from the portal;
/// video only from the streamers' public origins (hls.js fetches playlists and segments and feeds them
/// through blob: URLs), which are read from the streamers list and kept for a short while.
/// </summary>
internal sealed class ContentPolicy(StreamerStore streamers, TimeProvider clock)
{
    private static readonly TimeSpan Keep = TimeSpan.FromSeconds(30);
    private string _policy = "";
    private DateTimeOffset _madeAt = DateTimeOffset.MinValue;

    public async Task ApplyAsync(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = await PolicyAsync().ConfigureAwait(false);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Playback URLs carry tokens: never hand them to another site as a referrer.
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    private async Task<string> PolicyAsync()
    {
        var now = clock.GetUtcNow();
        if (now - _madeAt < Keep)
        {
            return _policy;
        }
        var origins = (await streamers.ListAsync().ConfigureAwait(false))
            .Select(s => Uri.TryCreate(s.PublicUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u.GetLeftPart(UriPartial.Authority) : null)
            .OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal);
        var media = string.Join(' ', origins);
        _policy = $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: {media}; " +
                  $"media-src 'self' blob: {media}; connect-src 'self' {media}; worker-src 'self' blob:; manifest-src 'self'; " +
                  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        _madeAt = now;
        return _policy;
    }
}
