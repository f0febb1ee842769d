using System.Globalization;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>A camera's motion, tamper and input events for whoever may watch it; the webhook they go to, for staff.</summary>
internal static class EventEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/cameras/{name}/events", async (HttpContext ctx, string name, CameraStore cameras, CameraAccess access, EventStore events) =>
        {
            var (camera, _) = await CameraEndpoints.VisibleAsync(ctx, name, cameras, access);
            var page = Paging.From(ctx);
            var now = Clock.NowMs();
            var from = Millis(ctx, "from") ?? now - (86_400_000L * Math.Max(1, camera.DvrDepth));
            var to = Millis(ctx, "to") ?? now + 60_000;
            var kind = ctx.Request.Query["kind"].ToString() is { Length: > 0 } k ? k : null;
            if (kind is not null && !EventStore.Kinds.Contains(kind))
            {
                throw ApiException.BadRequest($"kind must be one of {string.Join(", ", EventStore.Kinds)}");
            }
            if (to <= from)
            {
                throw ApiException.BadRequest("to must be after from");
            }
            // ?order=received lists in the order the portal stored the events (by id, the cursor an id):
            // a poll after the last event seen then gets late ones too, whatever their camera time.
            var order = ctx.Request.Query["order"].ToString();
            if (order is not ("" or "time" or "received"))
            {
                throw ApiException.BadRequest("order must be time or received");
            }
            if (order == "received")
            {
                long? afterId = page.After is null ? null
                    : long.TryParse(page.After, NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : throw ApiException.BadRequest("after is not a cursor this list gave");
                var received = await events.ListReceivedAsync(camera.Id, camera.Name, from, to, kind, page.Fetch, page.Offset, afterId);
                return page.Answer(ctx, received, PortalJsonContext.Default.IReadOnlyListCameraEvent, e => e.Id.ToString(CultureInfo.InvariantCulture));
            }
            (long, long)? after = null;
            if (page.After is not null)
            {
                var (at, id) = page.ReadCursor();
                after = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (at, n) : throw ApiException.BadRequest("after is not a cursor this list gave");
            }
            var list = await events.ListAsync(camera.Id, camera.Name, from, to, kind, page.Fetch, page.Offset, after);
            return page.Answer(ctx, list, PortalJsonContext.Default.IReadOnlyListCameraEvent, e => Paging.Cursor(e.At, e.Id.ToString(CultureInfo.InvariantCulture)));
        });
        api.MapGet("/settings/events-webhook", async (HttpContext ctx, SettingsStore settings) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Json(new EventWebhookView(await settings.GetAsync(EventWebhook.UrlKey) ?? "", !string.IsNullOrEmpty(await settings.GetAsync(EventWebhook.SecretKey))),
                PortalJsonContext.Default.EventWebhookView);
        });
        api.MapPut("/settings/events-webhook", async (HttpContext ctx, SettingsStore settings) =>
        {
            Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.EventWebhookInput);
            var url = body.Url ?? "";
            if (url.Length > 0)
            {
                Check.Throw(Check.UrlError("url", url, "http", "https"));
                if ((body.Secret ?? "").Length is < 16 or > 256)
                {
                    throw ApiException.BadRequest("secret must be 16 to 256 characters: it signs every event the webhook receives");
                }
            }
            await settings.SetAsync(new Dictionary<string, string?> { [EventWebhook.UrlKey] = url, [EventWebhook.SecretKey] = url.Length > 0 ? body.Secret : "" });
            return Results.NoContent();
        });
    }

    /// <summary>A time in the query: Unix milliseconds.</summary>
    private static long? Millis(HttpContext ctx, string name)
    {
        var text = ctx.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw ApiException.BadRequest($"{name} must be Unix milliseconds");
    }
}
