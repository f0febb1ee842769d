using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Streamers;

public sealed record StreamerInput(string? Name, string? Kind, string? ApiUrl, string? PublicUrl, string? IngestUrl, int? Capacity);

/// <summary>The hook addresses to put in a streamer's config; they carry the streamer's key, shown only when made.</summary>
public sealed record StreamerHooks(string Flussonic, string NginxRtmp, string Mediamtx);
public sealed record StreamerCreated(Streamer Streamer, string HookKey, StreamerHooks Hooks);

internal static class StreamerEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/streamers", async (HttpContext ctx, StreamerStore streamers) =>
        {
            Caller.Of(ctx).RequireStaff();
            var page = Paging.From(ctx, Paging.MaxLimit);
            return page.Answer(ctx, page.Slice(await streamers.ListAsync()), PortalJsonContext.Default.IReadOnlyListStreamer);
        });
        api.MapPost("/streamers", async (HttpContext ctx, StreamerStore streamers, PortalOptions options) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.StreamerInput);
            Check.Throw(Check.NameError("name", body.Name));
            var streamer = new Streamer { Name = body.Name! };
            Apply(streamer, body);
            Check.Throw(streamer.PublicUrl.Length == 0 ? "public_url is required" : null, streamer.IngestUrl.Length == 0 ? "ingest_url is required" : null);
            var key = Secrets.NewToken("hk_");
            streamer.HookKeyHash = Secrets.HashToken(key);
            var created = await streamers.CreateAsync(streamer) ?? throw ApiException.Conflict($"streamer '{body.Name}' exists");
            return Results.Json(new StreamerCreated(created, key, HooksOf(ctx, options, created.Name, key)), PortalJsonContext.Default.StreamerCreated, statusCode: StatusCodes.Status201Created);
        });
        api.MapPatch("/streamers/{name}", async (HttpContext ctx, string name, StreamerStore streamers) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.StreamerInput);
            var streamer = await streamers.FindAsync(name) ?? throw ApiException.NotFound("streamer");
            if (body.Name is not null && body.Name != name)
            {
                throw ApiException.BadRequest("name cannot be changed");
            }
            Apply(streamer, body);
            await streamers.UpdateAsync(streamer);
            return Results.Json(await streamers.GetAsync(streamer.Id), PortalJsonContext.Default.Streamer);
        });
        api.MapPost("/streamers/{name}/rotate-key", async (HttpContext ctx, string name, StreamerStore streamers, PortalOptions options, Hooks.PlayAuthorizer decisions) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var streamer = await streamers.FindAsync(name) ?? throw ApiException.NotFound("streamer");
            var key = Secrets.NewToken("hk_");
            streamer.HookKeyHash = Secrets.HashToken(key);
            await streamers.UpdateAsync(streamer);
            decisions.Invalidate();
            return Results.Json(new StreamerCreated(streamer, key, HooksOf(ctx, options, streamer.Name, key)), PortalJsonContext.Default.StreamerCreated);
        });
        api.MapDelete("/streamers/{name}", async (HttpContext ctx, string name, StreamerStore streamers, Hooks.PlayAuthorizer decisions) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var streamer = await streamers.FindAsync(name) ?? throw ApiException.NotFound("streamer");
            await streamers.DeleteAsync(streamer.Id);
            decisions.Invalidate();
            return Results.NoContent();
        });
    }

    private static void Apply(Streamer s, StreamerInput body)
    {
        Check.Throw(
            body.Kind is not null && !StreamerKinds.IsValid(body.Kind) ? "kind must be flussonic, mediamtx, nginx-rtmp or generic" : null,
            Check.UrlError("api_url", body.ApiUrl, "http", "https"),
            Check.UrlError("public_url", body.PublicUrl, "http", "https"),
            Check.UrlError("ingest_url", body.IngestUrl, "rtmp", "rtmps", "rtsp", "rtsps", "srt"),
            body.Capacity is < 0 or > 1_000_000 ? "capacity must be 0 to 1,000,000 cameras" : null);
        s.Kind = body.Kind ?? s.Kind;
        s.ApiUrl = body.ApiUrl ?? s.ApiUrl;
        s.PublicUrl = body.PublicUrl ?? s.PublicUrl;
        s.IngestUrl = body.IngestUrl ?? s.IngestUrl;
        s.Capacity = body.Capacity ?? (s.Capacity == 0 ? 100 : s.Capacity);
    }

    public static StreamerHooks HooksOf(HttpContext ctx, PortalOptions options, string name, string key)
    {
        var origin = options.PublicUrl.Length > 0 ? options.PublicUrl.TrimEnd('/') : $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        var q = "?key=" + Uri.EscapeDataString(key);
        return new StreamerHooks(
            $"{origin}/hooks/flussonic/{name}{q}",
            $"{origin}/hooks/nginx-rtmp/{name}{q}",
            $"{origin}/hooks/mediamtx/{name}{q}");
    }
}
